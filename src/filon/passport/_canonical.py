"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) and the passport hash."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785
from pydantic import BaseModel

from filon._errors import InvalidInput

__all__ = ["canonical_json", "passport_hash"]


def canonical_json(value: BaseModel | Any) -> bytes:
    """The RFC 8785 canonical JSON bytes of a passport (or any model) or of a plain JSON value.

    A pydantic model is first turned into its JSON data model (`model_dump(mode="json")`: dates as ISO
    strings, enums as their values), so a passport and its parsed JSON give the same bytes.

    Args:
        value: A pydantic model, or a JSON value (dict with str keys, list, str, int, float, bool, None).

    Returns:
        UTF-8 bytes: sorted keys, no whitespace, ECMAScript number formatting.

    Raises:
        InvalidInput: The value has no RFC 8785 form (NaN or infinity, an integer beyond 2^53 - 1,
            a non-string key, a type JSON lacks).
    """
    data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    try:
        return rfc8785.dumps(data)
    except (rfc8785.CanonicalizationError, TypeError) as error:
        raise InvalidInput(f"The value cannot be canonicalised (RFC 8785): {error}") from error


def passport_hash(passport: BaseModel) -> bytes:
    """The SHA-256 of the passport's canonical JSON: 32 bytes that identify its exact content.

    Args:
        passport: The passport.

    Returns:
        The 32-byte digest.
    """
    return hashlib.sha256(canonical_json(passport)).digest()
