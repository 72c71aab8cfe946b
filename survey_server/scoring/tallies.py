"""Each unit's tally of a campaign, kept up to date release by release (``analysis.tally``).

A release is added to the tally of its unit once, in the transaction that marks it
``tallied``, so a release is never counted twice or lost, whichever process adds it, however
many try at once, and whenever one of them is killed: a transaction that finds one of its
releases already tallied by another process changes nothing and the batch is read again. On
PostgreSQL the campaign's tallies are written under a transaction-scoped advisory lock (usable
through PgBouncer's transaction pooling); SQLite's write transactions are serialised already.

Scoring a campaign then adds up these rows (``services.assemble_campaign``) and reads no
response: the cost of a new release is the cost of its own responses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
from piccolo.engine.postgres import PostgresEngine

from analysis.bootstrap import RESAMPLES, SEED
from analysis.quality import QualityPolicy
from analysis.tally import Tally, tally_groups
from analysis.themes import Taxonomy, load_taxonomy
from survey_server.distribution.codes import ALPHABET, RECEIPT_LENGTH
from survey_server.questionnaires.schema import Questionnaire
from survey_server.responses.tables import Release, Submission
from survey_server.scoring.adapter import instrument_of, response_data
from survey_server.scoring.snapshots import method_digest
from survey_server.scoring.tables import UnitTally

#: Releases added per transaction: a few thousand responses at most (releases are small).
BATCH_RELEASES = 200
_LOCK_NAMESPACE = 0x7A11  # pg_advisory_xact_lock(namespace, campaign id)
_DIGITS = np.full(256, 255, dtype=np.uint8)
_DIGITS[np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(len(ALPHABET))


class _TalliedMeanwhile(Exception):
    """Another process added some of these releases first: undo this batch."""


def receipt_keys(receipts: Sequence[str]) -> np.ndarray:
    """Each response's bootstrap key: its receipt, random digits in base 31 (``new_code``),
    read as a number; a receipt of another shape (none is made today) by its digest."""
    if not receipts:
        return np.zeros(0, dtype=np.uint64)
    joined = "".join(receipts)
    if len(joined) == len(receipts) * RECEIPT_LENGTH and joined.isascii():
        digits = _DIGITS[np.frombuffer(joined.encode("ascii"), dtype=np.uint8)]
        digits = digits.reshape(len(receipts), RECEIPT_LENGTH)
        if (digits < len(ALPHABET)).all():
            keys = np.zeros(len(receipts), dtype=np.uint64)
            for column in digits.T:
                keys = keys * np.uint64(len(ALPHABET)) + column
            return keys
    return np.array(
        [int.from_bytes(hashlib.blake2b(r.encode(), digest_size=8).digest()) for r in receipts],
        dtype=np.uint64,
    )


def settings_of(campaign: dict[str, Any]) -> str:
    """What a campaign's tallies depend on besides its responses."""
    return f"{method_digest()[:32]}|{campaign['exclude_flagged']}"


def policy_of(campaign: dict[str, Any]) -> QualityPolicy:
    flags = frozenset(flag for flag in campaign["exclude_flagged"].split(",") if flag)
    return QualityPolicy(exclude=flags)


def taxonomy() -> Taxonomy:
    return load_taxonomy()


async def update(
    campaign: dict[str, Any], questionnaire: Questionnaire, comment: str | None
) -> int:
    """Add the campaign's releases not yet tallied to their units' tallies; how many releases
    were added. ``comment`` is the SQL joining a response's free text (``comment_expression``).

    Tallies made under other settings (another version of the scoring code, other excluded
    flags) are dropped first and every release is added again."""
    settings = settings_of(campaign)
    stale = await UnitTally.exists().where(
        (UnitTally.campaign == campaign["id"]) & (UnitTally.settings != settings)
    )
    if stale:
        await forget(campaign["id"])
    added, after = 0, (0, 0)
    while True:
        # Unit by unit, so that a batch writes a few units' tallies, not one per release; from
        # where the last batch ended, so that a batch does not step over the index entries of
        # every release tallied before it (the square of a national campaign's releases).
        releases = await Release.raw(
            "SELECT id, unit FROM response_release WHERE campaign = {} AND tallied = 0 "
            "AND (unit, id) > ({}, {}) ORDER BY unit, id LIMIT {}",
            campaign["id"],
            *after,
            BATCH_RELEASES,
        )
        if not releases:
            if after == (0, 0):
                return added
            after = (0, 0)  # once more from the start: releases made behind us meanwhile
            continue
        ids = [row["id"] for row in releases]
        units, tallies = await _tally(campaign, questionnaire, comment, ids)
        try:
            await _add(campaign["id"], settings, ids, units, tallies)
        except _TalliedMeanwhile:
            continue
        added += len(ids)
        after = (releases[-1]["unit"], releases[-1]["id"])


async def _tally(
    campaign: dict[str, Any], questionnaire: Questionnaire, comment: str | None, ids: list[int]
) -> tuple[list[int], list[Tally]]:
    """The tally of each unit's responses in the releases ``ids``."""
    listed = ", ".join(str(int(i)) for i in ids)
    text = f", {comment} AS comment" if comment else ""
    # both sides named by id: with the releases' side left to the join, PostgreSQL's estimate
    # of a national campaign's rows (93,000 for 5,000) chose to read every release (460 ms)
    rows = await Submission.raw(
        f"SELECT s.receipt, r.unit, s.duration_bucket, s.closed{text} FROM submission s "
        f"JOIN response_release r ON r.id = s.released_in "
        f"WHERE s.campaign = {{}} AND s.released_in IN ({listed}) AND r.id IN ({listed})",
        campaign["id"],
    )
    units = sorted({row["unit"] for row in rows})
    position = {unit: i for i, unit in enumerate(units)}
    data = response_data(
        questionnaire,
        [bytes(row["closed"]) for row in rows],
        np.array([row["duration_bucket"] for row in rows], dtype=np.int16),
        [tidy_comment(row.get("comment")) for row in rows],
    )
    tallies = tally_groups(
        instrument_of(questionnaire),
        data,
        np.array([position[row["unit"]] for row in rows], dtype=np.intp),
        len(units),
        keys=receipt_keys([row["receipt"] for row in rows]),
        policy=policy_of(campaign),
        taxonomy=taxonomy(),
        resamples=RESAMPLES,
        seed=SEED,
    )
    return units, tallies


def tidy_comment(text: str | None) -> str | None:
    """The joined comment without its trailing newline; ``None`` when it is empty."""
    return (text.strip("\n") or None) if text else None


async def _add(
    campaign_id: int, settings: str, ids: list[int], units: list[int], tallies: list[Tally]
) -> None:
    """In one transaction: mark the releases tallied (all of them, or undo) and add each
    unit's tally to its row."""
    listed = ", ".join(str(int(i)) for i in ids)
    engine = UnitTally._meta.db
    async with engine.transaction():
        if isinstance(engine, PostgresEngine):
            await UnitTally.raw(
                "SELECT pg_advisory_xact_lock({}, {})", _LOCK_NAMESPACE, campaign_id
            )
        marked = await Release.raw(
            f"UPDATE response_release SET tallied = 1 WHERE id IN ({listed}) AND tallied = 0 "
            "RETURNING id"
        )
        if len(marked) != len(ids):
            raise _TalliedMeanwhile
        if not units:
            return
        stored = {
            row["unit"]: row
            for row in await UnitTally.raw(
                "SELECT unit, body, settings FROM unit_tally WHERE campaign = {} AND unit IN ("
                + ", ".join(str(int(u)) for u in units)
                + ")",
                campaign_id,
            )
        }
        for unit, tally in zip(units, tallies, strict=True):
            row = stored.get(unit)
            if row is not None and row["settings"] == settings:
                tally = Tally.from_bytes(bytes(row["body"])) + tally
            await UnitTally.raw(
                "INSERT INTO unit_tally (campaign, unit, settings, responses, body) "
                "VALUES ({}, {}, {}, {}, {}) ON CONFLICT (campaign, unit) DO UPDATE SET "
                "settings = excluded.settings, responses = excluded.responses, "
                "body = excluded.body",
                campaign_id,
                unit,
                settings,
                tally.responses,
                tally.to_bytes(),
            )


async def load(campaign_id: int) -> dict[int, Tally]:
    """The campaign's tallies by unit id (replicate sums decoded only when read)."""
    rows = await UnitTally.select(UnitTally.unit, UnitTally.body).where(
        UnitTally.campaign == campaign_id
    )
    return {row["unit"]: Tally.from_bytes(bytes(row["body"])) for row in rows}


async def forget(campaign_id: int) -> None:
    """Drop the campaign's tallies and mark every release to be added again: they quote
    comments that have just been removed, or were made under other settings."""
    async with UnitTally._meta.db.transaction():
        await UnitTally.delete().where(UnitTally.campaign == campaign_id)
        await Release.update({Release.tallied: 0}).where(Release.campaign == campaign_id)
