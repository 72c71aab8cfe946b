"""One-time first-sign-in codes: what a new or reset account signs in with, once.

A code is 12 random letters and digits of the unambiguous password alphabet (about 70 bits),
printed on a sheet handed to the school and shown nowhere else. It is stored as an HMAC-SHA256
keyed with the server's secret, not as an Argon2 hash: Argon2 is slow by design to protect
passwords people choose, which can be guessed; a code is random with more entropy than any
guessing can cover, so a fast keyed hash is as safe, and setting up 1,000 schools takes
milliseconds instead of minutes. Without the secret, a copy of the database does not even
allow checking a guess offline. The username is part of the hashed message, so one code's hash
is worthless for another account.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from survey_server.staff.passwords import new_password

CODE_LENGTH = 12
#: How long a code signs in before an administrator must issue a new one.
CODE_DAYS = 14


@dataclass(frozen=True)
class IssuedCode:
    """A code as it is handed out once: the account, its unit, the office whose sheet lists
    it (``account_services.office_names``), the code in clear and its expiry (Unix seconds)."""

    username: str
    unit_code: str
    unit_name: str
    office: str
    code: str
    expires_at: int


def new_code() -> str:
    return new_password(CODE_LENGTH)


def spaced(code: str) -> str:
    """``abcd efgh jkmn``: read aloud and typed in groups of four."""
    return " ".join(code[start : start + 4] for start in range(0, len(code), 4))


def code_digest(secret: str, username: str, code: str) -> str:
    """The stored form of ``code``; spaces and dashes typed between the groups are ignored."""
    typed = "".join(code.split()).replace("-", "")
    message = f"sign-in-code\0{username}\0{typed}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def code_matches(secret: str, username: str, code: str, stored: str) -> bool:
    return bool(stored) and hmac.compare_digest(code_digest(secret, username, code), stored)


def expiry(now: float | None = None) -> int:
    """When a code issued now stops signing in (Unix seconds)."""
    return int(now if now is not None else time.time()) + CODE_DAYS * 24 * 3600
