"""Sign-in throttling shared by every server process, that a stranger cannot turn into a lockout.

Guessing is slowed per account: after ``FREE_ATTEMPTS`` failures, each further attempt must
wait, twice as long each time up to ``LONGEST_WAIT``. The count lives in the database
(``sign_in_guard``), so two workers or two machines give no more guesses than one. It is kept
only for accounts that exist (a failure on an unknown name has nothing to protect), so a flood of
made-up names adds no rows; rows untouched for a day are removed.

A stranger who keeps failing on a principal's account must not keep the principal out. A browser
that has signed in to an account before carries a *device cookie* for it (a random value signed
with the server's secret); its attempts are counted on their own key, which no stranger's
failures touch, so the account's owner signs in from the usual browser at once whatever is
happening to the account elsewhere ("device cookies", OWASP's recommendation against lockout).

The Argon2 check itself runs in a thread, at most ``CONCURRENT_CHECKS`` at once per process:
a flood of sign-ins queues there instead of stalling the event loop that serves respondents.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import anyio

from survey_server.staff.passwords import verify_password
from survey_server.staff.tables import SignInGuard

FREE_ATTEMPTS = 5
FIRST_WAIT = 2
LONGEST_WAIT = 60
FORGET_AFTER = 24 * 3600
CONCURRENT_CHECKS = 2
_CHECKS = anyio.CapacityLimiter(CONCURRENT_CHECKS)


def account_key(username: str) -> str:
    return "account:" + hashlib.sha256(username.encode()).hexdigest()[:40]


def device_key(cookie: str) -> str:
    return "device:" + hashlib.sha256(cookie.encode()).hexdigest()[:40]


def new_device_cookie(username: str, secret: str) -> str:
    """A value only this server can have made for this account."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_signature(username, nonce, secret)}"


def trusted_device(cookie: str | None, username: str, secret: str) -> bool:
    """Whether ``cookie`` was given to a browser that signed in to ``username``."""
    if not cookie or len(cookie) > 200 or "." not in cookie:
        return False
    nonce, signature = cookie.rsplit(".", 1)
    return hmac.compare_digest(signature, _signature(username, nonce, secret))


def _signature(username: str, nonce: str, secret: str) -> str:
    message = f"device|{username}|{nonce}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


async def wait_seconds(key: str) -> int:
    """Seconds before the next attempt on ``key`` is looked at (0: now)."""
    row = await SignInGuard.select(SignInGuard.next_at).where(SignInGuard.key == key).first()
    return max(0, int(row["next_at"]) - int(time.time())) if row else 0


async def failed(key: str) -> None:
    """Count a failure; from the ``FREE_ATTEMPTS``-th on, the next attempt waits."""
    now = int(time.time())
    async with SignInGuard._meta.db.transaction():
        await SignInGuard.delete().where(SignInGuard.updated_at < now - FORGET_AFTER)
        row = await SignInGuard.select().where(SignInGuard.key == key).first()
        failures = (row["failures"] if row else 0) + 1
        wait = (
            min(LONGEST_WAIT, FIRST_WAIT * 2 ** (failures - FREE_ATTEMPTS))
            if failures >= FREE_ATTEMPTS
            else 0
        )
        values = {"failures": failures, "next_at": now + wait, "updated_at": now}
        if row is None:
            await SignInGuard(key=key, **values).save()
        else:
            await SignInGuard.update(
                {getattr(SignInGuard, name): value for name, value in values.items()}
            ).where(SignInGuard.key == key)


async def succeeded(key: str) -> None:
    await SignInGuard.delete().where(SignInGuard.key == key)


async def check_password(stored: str | None, password: str) -> bool:
    """Argon2 off the event loop, a bounded number at once."""
    return await anyio.to_thread.run_sync(verify_password, stored, password, limiter=_CHECKS)
