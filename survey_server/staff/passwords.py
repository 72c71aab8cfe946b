"""Password hashing (Argon2id, argon2-cffi's defaults) and new passwords people can type."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
#: No 0/O, 1/l/I: a password read from a printout or a message is typed correctly.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_HASHER = PasswordHasher()
#: Verified when the user does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing account is checked against a dummy hash."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_password(length: int = 14) -> str:
    """A random password of ``length`` unambiguous letters and digits (about 80 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
