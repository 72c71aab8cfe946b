"""The signed time a form was served, turned into a coarse completion-time bucket.

The page carries ``<issued-at>.<hmac>``; on submission only the bucket of the elapsed time is
kept (docs/PRIVACY.md: no exact time is stored). The signature stops a client from inventing a slow,
careful-looking completion time; a missing or forged token gives bucket 0 ("unknown").
"""

from __future__ import annotations

import hashlib
import hmac

#: Upper bounds (seconds) of the buckets 1..6; bucket 0 is "unknown".
BUCKET_LIMITS = (60, 120, 300, 900, 3600)
BUCKET_LABELS = (
    "không rõ",
    "dưới 1 phút",
    "1–2 phút",
    "2–5 phút",
    "5–15 phút",
    "15–60 phút",
    "trên 60 phút",
)
_MAX_AGE = 7 * 24 * 3600


def make_form_token(secret: str, link_code: str, issued_at: int) -> str:
    return f"{issued_at}.{_mac(secret, link_code, issued_at)}"


def duration_bucket(token: str | None, secret: str, link_code: str, now: int) -> int:
    """The bucket of the time between serving the form and ``now``; 0 if unknown."""
    if not token or len(token) > 64:
        return 0
    stamp, _, mac = token.partition(".")
    if not (stamp.isascii() and stamp.isdigit()) or not hmac.compare_digest(
        mac, _mac(secret, link_code, int(stamp))
    ):
        return 0
    elapsed = now - int(stamp)
    if elapsed < 0 or elapsed > _MAX_AGE:
        return 0
    return 1 + sum(elapsed >= limit for limit in BUCKET_LIMITS)


def _mac(secret: str, link_code: str, issued_at: int) -> str:
    message = f"{link_code}:{issued_at}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:20]
