"""The keys this installation accepts packages from: a name, the public key and its
fingerprint. Trusting a key is a decision made once, out of band (the Sở sends the Bộ the
output of ``results key`` by official letter), never by importing a package."""

from __future__ import annotations

from typing import Any

from survey_server.errors import AppError
from survey_server.i18n import N_
from survey_server.results.signing import fingerprint, read_public_key
from survey_server.results.tables import TrustedKey


class KeyUnreadable(AppError):
    code = "results_key_unreadable"
    message = N_("Tệp không chứa khóa công khai Ed25519 (dùng tệp do lệnh 'results key' in ra).")


class KeyAlreadyTrusted(AppError):
    status_code = 409
    code = "results_key_trusted"
    message = N_("Khóa này hoặc tên '{name}' đã có trong danh sách tin cậy ({other}).")


class BadKeyName(AppError):
    code = "results_key_name"
    message = N_("Tên khóa phải có từ 1 đến 120 ký tự.")


async def trust(name: str, key_text: str) -> str:
    """Accept packages signed by the key in ``key_text`` under ``name``; its fingerprint."""
    name = name.strip()
    if not 0 < len(name) <= 120:
        raise BadKeyName
    public_key = read_public_key(key_text)
    if public_key is None:
        raise KeyUnreadable
    key_id = fingerprint(public_key)
    existing = await (
        TrustedKey.select(TrustedKey.name)
        .where((TrustedKey.fingerprint == key_id) | (TrustedKey.name == name))
        .first()
    )
    if existing is not None:
        raise KeyAlreadyTrusted(name=name, other=existing["name"])
    await TrustedKey.insert(TrustedKey(name=name, public_key=public_key, fingerprint=key_id))
    return key_id


async def trusted_keys() -> dict[str, dict[str, Any]]:
    """Every trusted key by fingerprint."""
    rows = await TrustedKey.select(TrustedKey.name, TrustedKey.public_key, TrustedKey.fingerprint)
    return {row["fingerprint"]: row for row in rows}
