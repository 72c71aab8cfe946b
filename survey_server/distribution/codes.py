"""Short codes people can read aloud and type: no 0/O, 1/I/L look-alikes, any case accepted."""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LINK_CODE_LENGTH = 7
TOKEN_LENGTH = 9
RECEIPT_LENGTH = 10
_VALID = re.compile(f"^[{ALPHABET}]{{4,16}}$")


def new_code(length: int = LINK_CODE_LENGTH) -> str:
    """A random code; 31**7 ≈ 27 billion link codes, so a collision check is enough."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(typed: str) -> str | None:
    """The stored form of a typed code (capitals, spaces and dashes removed), or None if invalid."""
    cleaned = typed.strip().upper().replace(" ", "").replace("-", "")
    return cleaned if _VALID.match(cleaned) else None


def code_digest(code: str) -> str:
    """The one-way digest under which an issued token is remembered once its code is spent."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()
