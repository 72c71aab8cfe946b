"""This installation's signing key, and Ed25519 signatures over canonical JSON.

One key per installation, made on first use and kept in the data directory, readable by the
server's user only (0600): whoever holds it can speak for the installation's results. It never
goes into a package; a package names it by its :func:`fingerprint`, which the receiving
installation looks up among the keys it trusts (``results.trust``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "results_signing_key"
ALGORITHM = "ed25519"
_RAW = serialization.Encoding.Raw


def canonical(value: Any) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The installation's key, created (0600, never overwritten) when there is none yet."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another command made it meanwhile: use that one
        else:
            with open(descriptor, "wb") as out:
                out.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return loaded


def public_text(key: Ed25519PublicKey) -> str:
    """The public key as ``results key`` prints it and ``results trust`` reads it."""
    return base64.b64encode(key.public_bytes(_RAW, serialization.PublicFormat.Raw)).decode()


def fingerprint(public_key: str) -> str:
    """The name of a public key (base64 of the raw key): the first 128 bits of its SHA-256."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:32]


def read_public_key(text: str) -> str | None:
    """The base64 public key in a file ``results key`` wrote (its last word, so a line
    ``ed25519 AAAA…`` or the bare key both do); ``None`` when it holds no Ed25519 key."""
    words = text.split()
    if not words:
        return None
    try:
        raw = base64.b64decode(words[-1], validate=True)
    except (binascii.Error, ValueError):
        return None
    return words[-1] if len(raw) == 32 else None


def sign(key: Ed25519PrivateKey, document: Any) -> str:
    return base64.b64encode(key.sign(canonical(document))).decode("ascii")


def verify(public_key: str, document: Any, signature: str) -> bool:
    """Whether ``signature`` (base64) signs ``document`` under ``public_key`` (base64)."""
    try:
        raw = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
            raw, canonical(document)
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
