"""The stored scoring of a campaign (``score_snapshot``): what it was computed from, its result
as compressed JSON, and the lease that keeps two server processes from scoring it at once.

Scoring a province's campaign takes tens of seconds; a view must not. The result is kept in the
database, where every server process and every restart finds it, beside the state it was
computed from, so a reader can tell at once whether it is current.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.scores import Scores, Summary
from survey_server.scoring.tables import ScoreSnapshot

#: How long a process may hold the scoring lease before another one takes over (a crashed
#: process never releases it). Far above the minute a million responses take.
LEASE_SECONDS = 600


@dataclass(frozen=True)
class State:
    """What a campaign's scores depend on, read in a few milliseconds."""

    newest: int  # id of the newest response counted (responses are only ever added)
    units: str  # digest of the unit tree the responses are grouped by
    k: int
    exclude_flagged: str
    method: str  # digest of the scoring code (``method_digest``)

    def same_settings(self, other: State) -> bool:
        """Whether a result of ``other`` may be shown under this state's settings: never one
        computed with another k or other excluded flags, which could show a withheld cell, nor
        by other scoring code (an upgrade that fixes a number takes effect at once)."""
        return (self.k, self.exclude_flagged, self.method) == (
            other.k,
            other.exclude_flagged,
            other.method,
        )


@functools.cache
@functools.cache
def method_digest() -> str:
    """A digest of the code and data that turn answers into scores (``analysis`` and this
    package): a result stored by another version of them is scored again. Read once per
    process (every view and every tally update asks; the code does not change under it)."""
    import analysis

    sources = sorted(Path(analysis.__file__).parent.glob("*.py"))
    sources += sorted(Path(analysis.__file__).parent.glob("*.toml"))
    sources += sorted(Path(__file__).parent.glob("*.py"))
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def units_digest(units: Sequence[dict[str, Any]]) -> str:
    """A digest of the units a campaign's responses are grouped by, and their expected counts."""
    rows = [
        [row["id"], row["code"], row["path"], row["parent"], row["expected_respondents"]]
        for row in units
    ]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


@dataclass(frozen=True)
class CampaignResult:
    """A campaign scored as a whole, the paths of the units it reached, and its freshness."""

    scores: Scores
    paths: dict[str, str]  # unit code → path
    state: State
    seconds: float  # how long the scoring took
    pending: bool = False  # not current: the campaign is being scored again
    unscored: int = 0  # responses stored after this result (it leaves them out)


def encode(scores: Scores, paths: dict[str, str]) -> bytes:
    """The result as gzip-compressed JSON (the summaries keep what wave comparisons need)."""
    summaries = {
        code: {
            "n": s.n,
            "overall": s.overall,
            "overall_se": s.overall_se,
            "dimensions": s.dimensions,
            "satisfied": s.satisfied,
        }
        for code, s in scores.summaries.items()
    }
    text = json.dumps({"scores": scores.json, "summaries": summaries, "paths": paths})
    return gzip.compress(text.encode(), compresslevel=1)


def decode(body: bytes, state: State, seconds: float) -> CampaignResult:
    data = json.loads(gzip.decompress(body))
    summaries = {
        code: Summary(
            n=s["n"],
            overall=s["overall"],
            overall_se=s["overall_se"],
            dimensions={key: tuple(value) for key, value in s["dimensions"].items()},
            satisfied={key: tuple(value) for key, value in s["satisfied"].items()},
        )
        for code, s in data["summaries"].items()
    }
    return CampaignResult(Scores(data["scores"], summaries), data["paths"], state, seconds)


_STATE_COLUMNS = "newest, units, k, exclude_flagged, method"


def _state(row: dict[str, Any]) -> State:
    return State(row["newest"], row["units"], row["k"], row["exclude_flagged"], row["method"])


async def stored_state(campaign_id: int) -> State | None:
    """The state of the stored result, without reading the result itself."""
    rows = await ScoreSnapshot.raw(
        f"SELECT {_STATE_COLUMNS} FROM score_snapshot WHERE campaign = {{}} AND body IS NOT NULL",
        campaign_id,
    )
    return _state(rows[0]) if rows else None


async def stored_body(campaign_id: int) -> tuple[bytes, State, float] | None:
    """The stored result with the state it was computed from and how long that took, read
    together."""
    rows = await ScoreSnapshot.raw(
        f"SELECT body, seconds, {_STATE_COLUMNS} FROM score_snapshot "
        "WHERE campaign = {} AND body IS NOT NULL",
        campaign_id,
    )
    if not rows:
        return None
    return bytes(rows[0]["body"]), _state(rows[0]), rows[0]["seconds"]


async def claim(campaign_id: int) -> bool:
    """Take the lease to score the campaign; ``False`` while another process holds it.

    One statement, atomic on both engines: the row is created with the lease the first time,
    else the lease is set only where none is held or the holder's has run out.
    """
    now = int(time.time())
    rows = await ScoreSnapshot.raw(
        "INSERT INTO score_snapshot "
        "(campaign, newest, units, k, exclude_flagged, seconds, refreshing_until) "
        "VALUES ({}, 0, '', 0, '', 0, {}) "
        "ON CONFLICT (campaign) DO UPDATE SET refreshing_until = excluded.refreshing_until "
        "WHERE score_snapshot.refreshing_until IS NULL OR score_snapshot.refreshing_until < {} "
        "RETURNING id",
        campaign_id,
        now + LEASE_SECONDS,
        now,
    )
    return bool(rows)


async def save(campaign_id: int, state: State, body: bytes, seconds: float) -> None:
    """Store a new result and give the lease back."""
    await ScoreSnapshot.raw(
        "UPDATE score_snapshot SET newest = {}, units = {}, k = {}, exclude_flagged = {}, "
        "method = {}, seconds = {}, body = {}, refreshing_until = NULL WHERE campaign = {}",
        state.newest,
        state.units,
        state.k,
        state.exclude_flagged,
        state.method,
        seconds,
        body,
        campaign_id,
    )


async def release(campaign_id: int) -> None:
    """Give the lease back without a result (the scoring failed)."""
    await ScoreSnapshot.raw(
        "UPDATE score_snapshot SET refreshing_until = NULL WHERE campaign = {}", campaign_id
    )


async def forget(campaign_id: int) -> None:
    """Drop the stored result: it quotes comments that have just been removed. Every process
    then drops the result it keeps too, since a kept result counts only while it is stored."""
    await ScoreSnapshot.delete().where(ScoreSnapshot.campaign == campaign_id)
