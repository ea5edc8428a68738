"""The records a registrar vouches for: `ParticipantRecord` (who a participant is) and `MineRecord` (where a
mine is and under which permit). Plain pydantic models, strict like the passport schema; how they are
published and checked is `filon._records`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from filon.passport._schema import CountryCode

__all__ = ["MineRecord", "ParticipantRecord"]

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
_Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ParticipantRecord(_Record):
    """Who an admitted participant is, as the registrar vouches for it (UNTP: an identity anchor).

    Its role is not part of it: the role is the one on chain.

    Attributes:
        name: The legal name, e.g. "Orfebrería Miraflores S.A.C.".
        country: ISO 3166-1 alpha-2 country of registration, e.g. "PE".
        national_id: The tax or company number (for Peru the RUC).
        website: Its website.
        contact: How to reach it (an e-mail address or a phone number).
    """

    name: _Text
    country: CountryCode
    national_id: _Code | None = None
    website: Annotated[str, StringConstraints(max_length=200, pattern=r"^https?://\S+$")] | None = None
    contact: _Text | None = None


class MineRecord(_Record):
    """Where a mine is and under which permit, as the registrar vouches for it (UNTP: a facility record).

    Attributes:
        name: The mine's name, e.g. "Huanca".
        region: The region (in Peru the department), e.g. "Puno".
        district: The district.
        permit_number: The number of its mining permit.
        register_code: Its code in the government register (in Peru REINFO's), which a register import
            matches rows by.
        latitude: Its latitude in degrees (the registrar may round it).
        longitude: Its longitude in degrees.
        method: How it mines, in words (e.g. "alluvial", "underground").
    """

    name: _Text
    region: _Text
    district: _Text | None = None
    permit_number: _Code | None = None
    register_code: _Code | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    method: _Text | None = None
