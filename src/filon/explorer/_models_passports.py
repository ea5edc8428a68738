"""The explorer's models of a passport version's public layer: its fields as published and checked against
the root recorded on chain, the fields it withholds, its confidential layer and the documents it cites."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, JsonValue


class PassportFieldOut(BaseModel):
    """One top-level field of a passport version, as a buyer may read it."""

    name: str = Field(examples=["carbon"])
    status: Literal["checked", "withheld"] = Field(
        description="`checked`: published, and its value, salt and proof lead to the root recorded on chain; "
        "`withheld`: not published (its value is not shown)."
    )
    value: JsonValue = Field(default=None, description="The published value; null when withheld.")


class CitedDocumentOut(BaseModel):
    """A conformity document a published passport cites, and where to download it."""

    type: str = Field(examples=["permit"])
    issuer: str
    date: str = Field(description="Its issue date, ISO 8601.")
    name: str | None
    sha256: str = Field(description="SHA-256 of its bytes, as the passport cites it.")
    cid: str = Field(description="The CID of those bytes in the document store.")
    download: str | None = Field(
        description="Where to download it (served as an attachment after its bytes are hashed again); None "
        "when the explorer's document store does not hold it."
    )


class ConfidentialLayerOut(BaseModel):
    """The encrypted layer of a passport version: who holds a key reads its fields; nobody else does."""

    cid: str = Field(description="The layer's CID in the document store (ciphertext only).")
    cipher: str = Field(examples=["AES-256-GCM"])
    fields: list[str] = Field(description="The withheld fields it holds, encrypted.")


class PublishedOut(BaseModel):
    """The public layer of a passport version, checked against its on-chain root before it is shown."""

    fields: list[PassportFieldOut] = Field(description="Every passport field in schema order.")
    documents: list[CitedDocumentOut] = Field(
        description="The conformity documents the published fields cite."
    )
    confidential_layer: ConfidentialLayerOut | None = Field(
        description="The version's confidential layer, when its withheld fields are encrypted in one."
    )
