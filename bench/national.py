"""Benchmark: Lắng nghe at national scale on PostgreSQL — 20 million responses, ~50,000 schools.

    .venv/bin/python bench/national.py [--responses 20000000] [--schools 50000] [--communes 3321]
        [--only full,tally,assemble,api,aggregate,responses,latency] [--keep] [--reuse] [--report]

Data: a scratch database ``bench_national`` with the real schema (``db.migrate``), a tree of one
ministry, 34 provinces, ``--communes`` communes and ``--schools`` schools, the real phổ thông
questionnaire, one campaign with a QR link per school, and ``--responses`` stored responses
(school sizes log-normal; answers from the demo generator, ~20 % with a comment), already
published in releases of about 25 responses of one school (a school with fewer than k responses
keeps them unpublished). Everything is bulk-loaded with ``COPY`` (indexes and unique
constraints rebuilt after the load, foreign keys not re-checked), generated with numpy; the
load is not timed as a target.

Measured, each in its own child process (peak memory its own ``ru_maxrss``) with a time limit:

1. full re-scoring from the database: ``scoring.services.load_answers`` + ``score_loaded``,
   beside a floor: reading the same columns with the raw driver (``COPY … TO``);
2. the incremental path: ``scoring.tallies.update`` tallying every release from scratch (the
   one-off cost), then ``services.assemble_campaign`` from the stored tallies (the cost of every
   re-scoring), and the size of ``unit_tally``;
3. a new response reflected in the tallies: a second process inserts responses at a steady rate
   into a few hundred schools with the raw driver while a loop does what the worker does
   (``services.publish`` then ``tallies.update``); latency from a response's commit to the end
   of the ``update`` that tallied its release;
4. the scores API: with the snapshot stored (``campaign_result``), ``services.campaign_scores``
   in-process for the root, a province, a commune and a school, and the stored snapshot's size;
5. exports (``staff/exports.py``) to /dev/null: the aggregate CSV of every unit and the response
   CSV of every published row.

Results go to docs/PERFORMANCE.md (``<!-- section:national-<responses> -->``).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import multiprocessing
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
from score import PG_ADMIN, log, pg
from sections import put_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH = "bench_national"
URL = PG_ADMIN.rsplit("/", 1)[0] + f"/{SCRATCH}"
CAMPAIGN = "QG-2026"
PROVINCES = 34
RELEASE_SIZE = 25  # responses of one school per release (the last one takes the remainder)
#: Views asked with ``?depth=``: a dashboard shows a unit and its children, not the whole tree.
API_DEPTH = {"root, depth 1": 1}
COMMENT_SHARE = 0.2
MOODS = 40  # satisfaction levels of schools; answer sets are drawn per level
PATTERNS = 60  # answer sets per level, with and without a comment each
CHUNK = 250_000  # rows generated and copied at a time
NULL = "\\N"  # COPY text format
LIMIT_SECONDS = 12 * 60  # no single measurement runs longer
#: Tallying a national campaign from scratch is a one-off (a change of settings): it may take longer.
LIMITS = {"tally": 25 * 60}
BUILD_LIMIT = 45 * 60
MEMORY_LIMIT = 18 * 2**30  # address space of one measurement's process; the machine has 24 GiB
SAVED = Path("/tmp/bench-national")  # each run's results, for the growth table
LIVE_RATE = 500  # responses per second in the latency test
LIVE_SECONDS = 60
LIVE_SCHOOLS = 300
TARGETS = {
    "full_seconds": 60,
    "full_mb": 4096,
    "latency_seconds": 2,
    "api_ms": 300,
    "aggregate_seconds": 60,
    "responses_mb": 300,
    "responses_seconds": 300,
}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@asynccontextmanager
async def product() -> AsyncIterator[None]:
    """The product's engine on the scratch database, with its connection pool."""
    from survey_server.db.migrate import migrate
    from survey_server.jobs.queue import apply_schema

    engine = await migrate(URL)
    await apply_schema(URL)  # what `survey-server migrate` adds: the job queue's tables
    await engine.start_connection_pool()
    try:
        yield
    finally:
        await engine.close_connection_pool()


# -- data ----------------------------------------------------------------------------------


def tree(schools: int, communes: int, seed: int) -> dict[str, np.ndarray]:
    """Ids (1-based, in tree order of kinds), parents and expected respondents of the units."""
    rng = np.random.default_rng(seed)
    province = 2 + np.arange(communes) % PROVINCES
    commune_ids = 2 + PROVINCES + np.arange(communes)
    school_parent = commune_ids[rng.integers(0, communes, schools)]
    return {"commune_parent": province, "school_parent": school_parent}


def receipts(count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct receipts as ``tallies.receipt_keys`` reads them: 10 random characters
    of the code alphabet (as ``S10`` bytes)."""
    from survey_server.distribution.codes import ALPHABET, RECEIPT_LENGTH

    base = len(ALPHABET)
    space = base**RECEIPT_LENGTH
    keys = np.unique(rng.integers(0, space, count, dtype=np.uint64))
    while len(keys) < count:
        keys = np.unique(np.concatenate([keys, rng.integers(0, space, count - len(keys))]))
    rng.shuffle(keys)
    digits = np.empty((count, RECEIPT_LENGTH), dtype=np.uint8)
    alphabet = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
    rest = keys.copy()
    for column in range(RECEIPT_LENGTH - 1, -1, -1):
        digits[:, column] = alphabet[rest % np.uint64(base)]
        rest //= np.uint64(base)
    return digits.view(f"S{RECEIPT_LENGTH}").ravel()


def answer_sets(form: Any, seed: int) -> tuple[list[str], list[str]]:
    """COPY text fields ``closed<TAB>answers`` of answer sets validated and packed by the
    product: for mood level m, sets [m * PATTERNS, (m + 1) * PATTERNS) without a comment, and
    the same sets with one comment in the second list."""
    from survey_server.demo.synthetic import COMMENTS, _answers
    from survey_server.responses.validation import validate_answers

    rng = random.Random(seed)
    texts = [q.id for q in form.questions if q.type == "text"]
    plain, commented = [], []
    for level in range(MOODS):
        mood = 3.0 + 1.9 * level / (MOODS - 1)
        for _ in range(PATTERNS):
            answers = {k: v for k, v in _answers(form, mood, rng).items() if k not in texts}
            for target, extra in ((plain, {}), (commented, {texts[0]: rng.choice(COMMENTS)})):
                clean, _ = validate_answers(form, {**answers, **extra})
                assert clean is not None
                text = json.dumps(clean.answers, ensure_ascii=False, separators=(",", ":"))
                text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                target.append(f"\\\\x{clean.closed.hex()}\t{text}")
    return plain, commented


async def build(responses: int, schools: int, communes: int, seed: int = 7) -> dict[str, Any]:
    """The scratch database, bulk-loaded; what it holds."""
    import asyncpg

    from survey_server.campaigns.services import CampaignSpec, create_campaign, get_campaign
    from survey_server.db.migrate import migrate
    from survey_server.questionnaires.services import load_questionnaires

    await migrate(URL)
    rng = np.random.default_rng(seed)
    shape = tree(schools, communes, seed)
    units = 1 + PROVINCES + communes + schools
    first_school = 2 + PROVINCES + communes
    sizes = rng.multinomial(responses, (w := rng.lognormal(0, 0.5, schools)) / w.sum())
    connection = await asyncpg.connect(URL)
    started = time.perf_counter()
    try:
        await connection.execute("SET session_replication_role = replica")  # no FK re-checks
        lines = ["1\tBO-GDDT\tBộ Giáo dục và Đào tạo\tdepartment\t\\N\t\\N\t/1/\t0\t\\N"]
        for p in range(PROVINCES):
            uid = 2 + p
            lines.append(
                f"{uid}\tSO-{p:02d}\tSở GD&ĐT tỉnh {p}\tdepartment\t\\N\t1\t/1/{uid}/\t1\t\\N"
            )
        for c in range(communes):
            uid, parent = 2 + PROVINCES + c, int(shape["commune_parent"][c])
            lines.append(
                f"{uid}\tXA-{c:04d}\tỦy ban nhân dân xã {c}\tcommune\t\\N\t{parent}"
                f"\t/1/{parent}/{uid}/\t2\t\\N"
            )
        for s in range(schools):
            uid, commune = first_school + s, int(shape["school_parent"][s])
            province = int(shape["commune_parent"][commune - 2 - PROVINCES])
            lines.append(
                f"{uid}\tTR-{s:05d}\tTrường số {s}\tschool\ttieu_hoc\t{commune}"
                f"\t/1/{province}/{commune}/{uid}/\t3\t{int(sizes[s] * 1.5) + 10}"
            )
        await copy(
            connection,
            "unit",
            [
                "id",
                "code",
                "name",
                "kind",
                "level",
                "parent",
                "path",
                "depth",
                "expected_respondents",
            ],
            lines,
        )
        await connection.execute(f"SELECT setval('unit_id_seq', {units})")
    finally:
        await connection.close()

    async with product():
        outcome = (
            await load_questionnaires([ROOT / "questionnaires" / "hai-long-pho-thong.yaml"], "UTC")
        )[0]
        day = date.today()
        await create_campaign(
            CampaignSpec(
                code=CAMPAIGN,
                title={"vi": "Đợt khảo sát toàn quốc (đo hiệu năng)"},
                questionnaire_slug=outcome.slug,
                root_unit_code="BO-GDDT",
                opens_on=day - timedelta(days=30),
                closes_on=day + timedelta(days=30),
            ),
            "UTC",
        )
        campaign = await get_campaign(CAMPAIGN)
        from survey_server.scoring.services import campaign_form

        form = await campaign_form(campaign)
    plain, commented = answer_sets(form, seed)
    k = campaign["k"]

    # releases: per school of at least k responses, chunks of RELEASE_SIZE (the last takes the rest)
    counts = np.where(sizes >= k, np.maximum(1, sizes // RELEASE_SIZE), 0)
    release_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    release_school = np.repeat(np.arange(schools), counts)
    school_of = np.repeat(np.arange(schools), sizes)
    position = np.arange(responses) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    local = np.minimum(position // RELEASE_SIZE, np.maximum(counts[school_of] - 1, 0))
    released = np.where(counts[school_of] > 0, release_start[school_of] + local + 1, 0)
    release_size = np.bincount(released, minlength=len(release_school) + 1)[1:]
    del position, local
    mood = rng.integers(0, MOODS, schools)

    connection = await asyncpg.connect(URL)
    try:
        await connection.execute("SET session_replication_role = replica")
        await copy(
            connection,
            "distribution_link",
            ["id", "code", "campaign", "unit", "channel"],
            [
                f"{s + 1}\tN{s:09d}\t{campaign['id']}\t{first_school + s}\tqr_meeting"
                for s in range(schools)
            ],
        )
        await connection.execute(f"SELECT setval('distribution_link_id_seq', {schools})")
        await copy(
            connection,
            "response_release",
            ["id", "campaign", "unit", "channel", "origin", "released_on", "size", "tallied"],
            [
                f"{r + 1}\t{campaign['id']}\t{first_school + s}\tqr_meeting\t\t{day}\t{n}\t0"
                for r, (s, n) in enumerate(
                    zip(release_school.tolist(), release_size.tolist(), strict=False)
                )
            ],
        )
        await connection.execute(
            f"SELECT setval('response_release_id_seq', {max(1, len(release_school))})"
        )
        dropped = await drop_indexes(connection, "submission")
        log(f"copying {responses:,} responses ({len(release_school):,} releases)")
        all_receipts = receipts(responses, rng)
        head = (
            f"\t{campaign['id']}\t",
            f"\tqr_meeting\t\\N\t{campaign['questionnaire']}\tvi\t{day}\t",
        )
        for start in range(0, responses, CHUNK):
            stop = min(responses, start + CHUNK)
            n = stop - start
            ids = range(start + 1, stop + 1)
            uuids = rng.bytes(16 * n)
            schools_here = school_of[start:stop]
            sets = (mood[schools_here] * PATTERNS + rng.integers(0, PATTERNS, n)).tolist()
            with_comment = (rng.random(n) < COMMENT_SHARE).tolist()
            durations = rng.choice([2, 3, 3, 4], n).tolist()
            rel = released[start:stop].tolist()
            rec = all_receipts[start:stop].tolist()
            rows = [
                f"{i}\t{uuids[16 * j : 16 * j + 16].hex()}\t{rec[j].decode()}{head[0]}{s + 1}\t"
                f"{first_school + s}{head[1]}{durations[j]}\t"
                f"{(commented if with_comment[j] else plain)[sets[j]]}\t"
                f"{rel[j] or NULL}\t1\t1\t0"
                for j, (i, s) in enumerate(zip(ids, schools_here.tolist(), strict=False))
            ]
            await copy(
                connection,
                "submission",
                [
                    "id",
                    "submission_id",
                    "receipt",
                    "campaign",
                    "link",
                    "unit",
                    "channel",
                    "partner",
                    "questionnaire",
                    "lang",
                    "submitted_on",
                    "duration_bucket",
                    "closed",
                    "answers",
                    "released_in",
                    "screened",
                    "scrubbed",
                    "held",
                ],
                rows,
            )
            if (stop // CHUNK) % 8 == 0:
                log(f"  {stop:,} rows")
        await connection.execute(f"SELECT setval('submission_id_seq', {max(1, responses)})")
        log("rebuilding indexes")
        for statement in dropped:
            await connection.execute(statement)
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return {
        "load_seconds": time.perf_counter() - started,
        "releases": len(release_school),
        "published": int(sizes[sizes >= k].sum()),
        "units": units,
    }


async def copy(connection: Any, table: str, columns: list[str], lines: list[str]) -> None:
    data = ("\n".join(lines) + "\n").encode()
    await connection.copy_to_table(table, source=io.BytesIO(data), columns=columns, format="text")


async def drop_indexes(connection: Any, table: str) -> list[str]:
    """Drop the table's unique constraints and secondary indexes (rebuilt in one pass after
    the load, much faster than maintained row by row); the statements that restore them."""
    restore = []
    for row in await connection.fetch(
        "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE conrelid = $1::regclass AND contype = 'u'",
        table,
    ):
        await connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{row["conname"]}"')
        restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{row["conname"]}" {row["def"]}')
    for row in await connection.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def "
        "FROM pg_index i WHERE i.indrelid = $1::regclass AND NOT i.indisprimary",
        table,
    ):
        await connection.execute(f"DROP INDEX {row['name']}")
        restore.append(row["def"])
    return restore


async def setting(name: str) -> str:
    """A setting of the PostgreSQL server, as measured with (``autovacuum``: a server without it
    keeps every dead row version of the tallies' updates, and each batch gets slower)."""
    import asyncpg

    connection = await asyncpg.connect(URL)
    try:
        return str(await connection.fetchval(f"SHOW {name}"))
    finally:
        await connection.close()


async def sizes_on_disk() -> dict[str, int]:
    import asyncpg

    connection = await asyncpg.connect(URL)
    try:
        sizes = {"database": await connection.fetchval(f"SELECT pg_database_size('{SCRATCH}')")}
        for table in (
            "submission",
            "response_release",
            "unit",
            "distribution_link",
            "unit_tally",
            "score_snapshot",
        ):
            sizes[table] = await connection.fetchval(
                "SELECT pg_total_relation_size($1::regclass)", table
            )
        return sizes
    finally:
        await connection.close()


# -- measurements (each in a child) --------------------------------------------------------


async def full_rescoring() -> dict[str, Any]:
    import asyncpg

    from survey_server.campaigns.services import get_campaign
    from survey_server.scoring.services import load_answers, score_loaded
    from survey_server.units.services import get_unit

    async with product():
        campaign = await get_campaign(CAMPAIGN)
        root = await get_unit(campaign["root_unit_code"])
        started = time.perf_counter()
        answers = await load_answers(campaign, root)
        loaded = time.perf_counter() - started
        rss_loaded = rss_mb()
        started = time.perf_counter()
        scores = score_loaded(answers)
        json.dumps(scores.json, ensure_ascii=False)
        scored = time.perf_counter() - started
        rows = len(answers.closed)
        groups = len(answers.units)
    del answers, scores
    per_group = replicate_floor()
    connection = await asyncpg.connect(URL)
    try:  # floor: the same columns through the raw driver, no decoding
        sink = _Sink()
        started = time.perf_counter()
        await connection.copy_from_query(
            "SELECT s.receipt, r.unit, s.duration_bucket, s.closed FROM submission s "
            "JOIN response_release r ON r.id = s.released_in",
            output=sink.write,
        )
        floor = time.perf_counter() - started
    finally:
        await connection.close()
    return {
        "rows": rows,
        "load": loaded,
        "score": scored,
        "rss_loaded": rss_loaded,
        "floor": floor,
        "floor_mb": sink.bytes / 1e6,
        "groups": groups,
        "replicate_ms": per_group * 1000,
    }


def replicate_floor(rows: int = 100, columns: int = 56, repeat: int = 20) -> float:
    """Seconds of one ``analysis.tally.replicate_sums`` call for a school-sized group (the
    bootstrap sums the scorer computes once per group), best of ``repeat``."""
    from analysis.bootstrap import RESAMPLES, SEED
    from analysis.tally import replicate_sums

    rng = np.random.default_rng(0)
    values = (rng.random((rows, columns)) < 0.7).astype(np.uint8)
    keys = rng.integers(0, 2**63, rows, dtype=np.uint64)
    replicate_sums(values, keys, RESAMPLES, SEED)  # the weight table, built once per process
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        replicate_sums(values, keys, RESAMPLES, SEED)
        best = min(best, time.perf_counter() - started)
    return best


class _Sink:
    def __init__(self) -> None:
        self.bytes = 0

    async def write(self, chunk: bytes) -> None:
        self.bytes += len(chunk)


async def tally_scratch() -> dict[str, Any]:
    from survey_server.campaigns.services import get_campaign
    from survey_server.scoring import tallies
    from survey_server.scoring.services import campaign_form, comment_expression

    async with product():
        campaign = await get_campaign(CAMPAIGN)
        spec = await campaign_form(campaign)
        await tallies.forget(campaign["id"])
        started = time.perf_counter()
        added = await tallies.update(
            campaign, spec.questionnaire, comment_expression(spec, "s.answers")
        )
        seconds = time.perf_counter() - started
        stored = await tallies.UnitTally.raw(
            "SELECT body FROM unit_tally WHERE campaign = {} ORDER BY responses DESC LIMIT 1",
            campaign["id"],
        )
    per_unit = unit_write(bytes(stored[0]["body"])) if stored else {}
    return {"releases": added, "seconds": seconds, **per_unit}


def unit_write(body: bytes, repeat: int = 10) -> dict[str, float]:
    """What ``tallies._add`` does per unit besides SQL: decode the stored tally, add a release's
    tally to it and encode the sum (``analysis.tally.Tally``), best of ``repeat``."""
    from analysis.tally import Tally

    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        total = Tally.from_bytes(body) + Tally.from_bytes(body)
        total.to_bytes()
        best = min(best, time.perf_counter() - started)
    return {"unit_write_ms": best * 1000, "unit_body_kb": len(body) / 1024}


async def assemble() -> dict[str, Any]:
    from survey_server.campaigns.services import get_campaign
    from survey_server.scoring.services import assemble_campaign

    async with product():
        campaign = await get_campaign(CAMPAIGN)
        started = time.perf_counter()
        scores, units = await assemble_campaign(campaign)
        seconds = time.perf_counter() - started
        text = json.dumps(scores.json, ensure_ascii=False)
    return {"seconds": seconds, "units": len(units), "json_mb": len(text.encode()) / 1e6}


async def api() -> dict[str, Any]:
    from survey_server.campaigns.services import get_campaign
    from survey_server.scoring import worker
    from survey_server.scoring.services import (
        EVERY_RESPONSE,
        campaign_result,
        campaign_scores,
        campaign_units,
    )
    from survey_server.scoring.tables import ScoreSnapshot
    from survey_server.units.services import get_unit
    from survey_server.units.tables import Unit

    async with product():
        campaign = await get_campaign(CAMPAIGN)
        started = time.perf_counter()
        await campaign_result(campaign, wait=EVERY_RESPONSE)  # scored and stored by the worker
        stored_seconds = time.perf_counter() - started
        worker.stop()
        snapshot = await ScoreSnapshot.raw(
            "SELECT octet_length(body) AS n FROM score_snapshot WHERE campaign = {}",
            campaign["id"],
        )
        picks = {}
        for kind, depth in (("root", 0), ("province", 1), ("commune", 2), ("school", 3)):
            row = await Unit.raw(
                "SELECT code FROM unit WHERE depth = {} ORDER BY id LIMIT 1 OFFSET {}",
                depth,
                0 if depth < 2 else 7,
            )
            picks[kind] = row[0]["code"]
        picks["root, depth 1"] = picks["root"]
        root = await get_unit(campaign["root_unit_code"])
        listing = []
        for _ in range(5):  # what every view reads first: the units the campaign reaches
            started = time.perf_counter()
            reached = await campaign_units(campaign["id"], root)
            listing.append(time.perf_counter() - started)
        timings: dict[str, list[float]] = {kind: [] for kind in picks}
        first: dict[str, float] = {}
        sizes: dict[str, float] = {}
        for round_ in range(6):
            for kind, code in picks.items():
                started = time.perf_counter()
                view = await campaign_scores(CAMPAIGN, code, depth=API_DEPTH.get(kind))
                body = msgspec.json.encode(view)  # what the API then sends
                elapsed = time.perf_counter() - started
                if round_ == 0:  # the first view of a process reads and decodes the snapshot
                    first[kind] = elapsed
                    sizes[kind] = len(body) / 1e6
                else:
                    timings[kind].append(elapsed)
    return {
        "stored_seconds": stored_seconds,
        "campaign_units": {"median": float(np.median(listing)), "units": len(reached)},
        "snapshot_mb": snapshot[0]["n"] / 1e6 if snapshot else 0.0,
        "first": first,
        "p95": {kind: float(np.percentile(t, 95)) for kind, t in timings.items()},
        "median": {kind: float(np.median(t)) for kind, t in timings.items()},
        "view_mb": sizes,
        "codes": picks,
    }


async def export_aggregate() -> dict[str, Any]:
    from survey_server.campaigns.services import get_campaign
    from survey_server.i18n import localize
    from survey_server.scoring.services import EVERY_RESPONSE, campaign_form, campaign_scores
    from survey_server.staff import exports

    async with product():
        campaign = await get_campaign(CAMPAIGN)
        started = time.perf_counter()
        view = await campaign_scores(CAMPAIGN, None, wait=EVERY_RESPONSE)
        questionnaire = (await campaign_form(campaign)).questionnaire
        titles = {s.id: localize(s.title, "vi") for s in questionnaire.sections}
        header = exports.aggregate_header(view, titles, "vi")
        rows = await exports.aggregate_rows(view, "vi")
        written = await drain(exports.csv_stream(header, rows))
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(rows), "mb": written / 1e6}


async def export_responses() -> dict[str, Any]:
    from survey_server.campaigns.services import get_campaign
    from survey_server.scoring.services import campaign_form
    from survey_server.staff import exports
    from survey_server.staff.services import Scope
    from survey_server.units.services import get_unit

    async with product():
        campaign = await get_campaign(CAMPAIGN)
        root = await get_unit(campaign["root_unit_code"])
        spec = await campaign_form(campaign)
        scope = Scope(
            user_id=None,  # type: ignore[arg-type]
            username="bench",
            role="admin",
            unit_id=root["id"],
            unit_code=root["code"],
            unit_name=root["name"],
            unit_path=root["path"],
            partner=None,
        )
        rss_before = rss_mb()
        started = time.perf_counter()
        stream = exports.csv_stream(
            exports.response_header(spec, "vi"),
            exports.response_rows(scope, campaign, root, spec),
        )
        written = await drain(stream)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "mb": written / 1e6, "rss_before": rss_before}


async def drain(stream: AsyncIterator[bytes]) -> int:
    written = 0
    with open(os.devnull, "wb") as sink:
        async for chunk in stream:
            sink.write(chunk)
            written += len(chunk)
    return written


def insert_live(rate: int, seconds: int, schools: list[tuple[int, int, int]], out: str) -> None:
    """Insert ``rate`` responses a second for ``seconds`` s into ``schools`` (link, unit,
    questionnaire) with the raw driver, ten per commit; each receipt's commit time to ``out``."""
    asyncio.run(_insert_live(rate, seconds, schools, out))


async def _insert_live(
    rate: int, seconds: int, schools: list[tuple[int, int, int]], out: str
) -> None:
    import uuid

    import asyncpg

    from survey_server.demo.synthetic import _answers
    from survey_server.questionnaires.services import get_form_spec
    from survey_server.responses.validation import validate_answers

    connection = await asyncpg.connect(URL)
    content_hash = await connection.fetchval(
        "SELECT content_hash FROM questionnaire_version WHERE id = $1", schools[0][2]
    )
    async with product():
        form = await get_form_spec(content_hash)
    rng = random.Random(11)
    sets = []
    for _ in range(200):
        clean, _ = validate_answers(form, _answers(form, rng.uniform(3, 4.8), rng))
        assert clean is not None
        sets.append((clean.closed, json.dumps(clean.answers, ensure_ascii=False)))
    campaign = await connection.fetchval("SELECT id FROM campaign WHERE code = $1", CAMPAIGN)
    keys = receipts(rate * seconds, np.random.default_rng(int(time.time())))
    committed: list[tuple[str, float]] = []
    batch = 10
    started = time.perf_counter()
    day = date.today()
    for number in range(0, rate * seconds, batch):
        due = started + number / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        rows = []
        for j in range(number, number + batch):
            link, unit, questionnaire = schools[rng.randrange(len(schools))]
            closed, answers = sets[rng.randrange(len(sets))]
            receipt = keys[j].decode()
            rows.append(
                (
                    uuid.uuid4(),
                    receipt,
                    campaign,
                    link,
                    unit,
                    "qr_meeting",
                    questionnaire,
                    "vi",
                    day,
                    3,
                    closed,
                    answers,
                )
            )
        await connection.executemany(
            "INSERT INTO submission (submission_id, receipt, campaign, link, unit, channel, "
            "questionnaire, lang, submitted_on, duration_bucket, closed, answers) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            rows,
        )
        now = time.time()
        committed += [(row[1], now) for row in rows]
    await connection.close()
    Path(out).write_text(json.dumps(committed))


async def latency() -> dict[str, Any]:
    import asyncpg

    from survey_server.campaigns.services import get_campaign
    from survey_server.scoring import tallies
    from survey_server.scoring.services import campaign_form, comment_expression, publish

    connection = await asyncpg.connect(URL)
    picked = await connection.fetch(
        "SELECT l.id, l.unit, c.questionnaire FROM distribution_link l JOIN campaign c "
        "ON c.id = l.campaign ORDER BY l.id LIMIT $1",
        LIVE_SCHOOLS,
    )
    schools = [(row[0], row[1], row[2]) for row in picked]
    out = f"/tmp/bench-national-live-{os.getpid()}.json"
    context = multiprocessing.get_context("spawn")
    inserter = context.Process(target=insert_live, args=(LIVE_RATE, LIVE_SECONDS, schools, out))
    tallied_at: dict[int, float] = {}
    cycles: list[tuple[float, float]] = []
    async with product():
        campaign = await get_campaign(CAMPAIGN)
        spec = await campaign_form(campaign)
        comment = comment_expression(spec, "s.answers")
        await tallies.update(campaign, spec.questionnaire, comment)  # nothing left from before
        inserter.start()
        deadline = time.perf_counter() + LIVE_SECONDS + 30
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await publish(campaign)
            published = time.perf_counter() - started
            due = [
                row["id"]
                for row in await connection.fetch(
                    "SELECT id FROM response_release WHERE campaign = $1 AND tallied = 0",
                    campaign["id"],
                )
            ]
            await tallies.update(campaign, spec.questionnaire, comment)
            now = time.time()
            tallied_at.update({release: now for release in due})
            cycles.append((published, time.perf_counter() - started))
            if not inserter.is_alive() and not due:
                break
            await asyncio.sleep(0.05)
    inserter.join(timeout=60)
    committed = dict(json.loads(Path(out).read_text()))
    Path(out).unlink()
    rows = await connection.fetch(
        "SELECT receipt, released_in FROM submission WHERE receipt = ANY($1::text[])",
        list(committed),
    )
    await connection.close()
    waits, newest = [], {}
    for receipt, release in rows:
        if release in tallied_at:
            waits.append(tallied_at[release] - committed[receipt])
            newest[release] = max(newest.get(release, 0.0), committed[receipt])
    last = [tallied_at[release] - at for release, at in newest.items()]
    return {
        "inserted": len(committed),
        "achieved_rate": len(committed) / LIVE_SECONDS,
        "tallied": len(waits),
        "releases": len(newest),
        "response": percentiles(waits),
        "newest": percentiles(last),
        "cycles": len(cycles),
        "publish": percentiles([c[0] for c in cycles]),
        "cycle": percentiles([c[1] for c in cycles]),
    }


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": math.nan, "p95": math.nan, "max": math.nan}
    array = np.asarray(values)
    return {
        "p50": float(np.percentile(array, 50)),
        "p95": float(np.percentile(array, 95)),
        "max": float(array.max()),
    }


MEASUREMENTS: dict[str, Callable[[], Coroutine[Any, Any, dict[str, Any]]]] = {
    "full": full_rescoring,
    "tally": tally_scratch,
    "assemble": assemble,
    "api": api,
    "aggregate": export_aggregate,
    "responses": export_responses,
    "latency": latency,
}


def _memory_limit() -> None:
    """A measurement that would need more than ``MEMORY_LIMIT`` fails with MemoryError instead
    of calling the kernel's OOM killer, which might pick PostgreSQL."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def child(name: str, *extra: str, limit: float = LIMIT_SECONDS) -> dict[str, Any]:
    """Run ``name`` in a child process, stopped after ``limit`` seconds. This process stays
    small (the data is built in a child too): a child's peak memory counts what it was forked
    from."""
    log(f"running {name}")
    try:
        output = subprocess.run(
            [sys.executable, __file__, "--child", name, *extra],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
            timeout=limit,
            preexec_fn=_memory_limit,
        )
    except subprocess.TimeoutExpired:
        log(f"{name}: stopped after {limit:.0f} s")
        return {"timeout": limit}
    if output.returncode:
        log(f"{name}: exit status {output.returncode}")
        return {"failed": f"exit status {output.returncode}"}
    result = json.loads(output.stdout.strip().splitlines()[-1])
    log(f"{name}: {result}")
    return result


def run_child(name: str, args: argparse.Namespace) -> None:
    if name == "build":
        result = asyncio.run(build(args.responses, args.schools, args.communes))
    else:
        result = asyncio.run(MEASUREMENTS[name]())
    result["peak_mb"] = rss_mb()
    print(json.dumps(result))


# -- report ------------------------------------------------------------------------------

NATIONAL_UNITS = 1 + PROVINCES + 3321 + 50_000


def verdict(met: bool) -> str:
    return "met" if met else "**NOT met**"


def command_of(args: dict[str, Any]) -> str:
    asked = args["only"] or "''"  # '' : the build alone
    only = "" if args["only"] == ",".join(MEASUREMENTS) else f" --only {asked}"
    return (
        f".venv/bin/python bench/national.py --responses {args['responses']} "
        f"--schools {args['schools']} --communes {args['communes']}{only}"
        + (" --keep" if args.get("keep") else "")
        + (" --reuse" if args.get("reuse") else "")
    )


def seconds(result: dict[str, Any], key: str = "seconds") -> str:
    if key in result:
        return f"{result[key]:.1f} s"
    if "timeout" in result:
        return f"> {result['timeout']} s (stopped)"
    return "failed" if "failed" in result else "–"


def head_commit() -> str:
    """The checked-out commit, read from the repository's files."""
    git = ROOT / ".git"
    head = (git / "HEAD").read_text().strip()
    if head.startswith("ref: "):
        ref = head.removeprefix("ref: ")
        loose = git / ref
        if loose.exists():
            return loose.read_text().strip()[:7]
        packed = git / "packed-refs"
        for line in packed.read_text().splitlines() if packed.exists() else ():
            if line.endswith(" " + ref):
                return line[:7]
        return "unknown"
    return head[:7]


def section(run: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    """The "National scale" section: the run just made in detail, every saved run's growth."""
    args, built, r = run["args"], run["built"], run["results"]
    disk = r.get("disk", {})
    made_by = run.get("made_by", [(args, run["at"], run.get("commit", "unknown"))])
    lines = [
        f"<!-- section:national-{args['responses']} -->",
        f"## National scale (PostgreSQL): {args['responses']:,} responses",
        "",
        "Produced by "
        + "; then ".join(
            f"`{command_of(made)}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(at))}, "
            f"commit {commit})"
            for made, at, commit in made_by
        )
        + (" (`--reuse`: the same kept data)" if len(made_by) > 1 else "")
        + f" on {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL on the "
        "same machine. Each measurement runs in its own process (peak memory is that "
        f"process's `ru_maxrss`), stopped after {LIMIT_SECONDS // 60} minutes "
        f"({', '.join(f'{name} {limit // 60}' for name, limit in LIMITS.items())}); "
        f"PostgreSQL `autovacuum` {r.get('autovacuum', 'not recorded')}.",
        "",
        f"Data: {args['responses']:,} responses ({built['published']:,} published in "
        f"{built['releases']:,} releases of ~{RELEASE_SIZE} responses of one school) over "
        f"{args['schools']:,} schools, {args['communes']:,} communes and {PROVINCES} provinces "
        f"({built['units']:,} units), the real phổ thông questionnaire, {COMMENT_SHARE:.0%} "
        f"with a comment; bulk-loaded with COPY in {built['load_seconds']:.0f} s.",
    ]
    if disk:
        lines[-1] += (
            f" Disk: database {disk['database'] / 1e9:.2f} GB; "
            + ", ".join(
                f"`{table}` {size / 1e6:,.1f} MB"
                for table, size in disk.items()
                if table != "database"
            )
            + " (each with its indexes, after the measurements)."
        )
    lines += [
        "",
        "| measurement | time | peak memory | beside it, same run |",
        "|---|---:|---:|---|",
    ]
    full, tally, assembled = r.get("full", {}), r.get("tally", {}), r.get("assemble", {})
    api_, aggregate, responses = r.get("api", {}), r.get("aggregate", {}), r.get("responses", {})
    if "load" in full:
        lines.append(
            f"| 1. `load_answers` ({full['rows']:,} rows) | {full['load']:.1f} s | "
            f"{full['rss_loaded']:,.0f} MB | floor: the same columns by raw `COPY … TO` "
            f"({full['floor_mb']:,.0f} MB) {full['floor']:.1f} s, ratio "
            f"{full['load'] / full['floor']:.1f} |"
        )
        per_group = (
            f"floor: the bootstrap sums of one 100-response school (`replicate_sums`) "
            f"{full['replicate_ms']:.1f} ms × {full['groups']:,} groups = "
            f"{full['replicate_ms'] * full['groups'] / 1000:.1f} s, ratio "
            f"{full['score'] / (full['replicate_ms'] * full['groups'] / 1000):.0f}"
            if "replicate_ms" in full
            else ""
        )
        lines.append(
            f"| 1. `score_loaded` | {full['score']:.1f} s | {full['peak_mb']:,.0f} MB | "
            f"{per_group} |"
        )
    elif full:
        lines.append(f"| 1. full re-scoring | {seconds(full)} | | |")
    if tally:
        per_unit = (
            f"per unit written: decode + add + encode {tally['unit_write_ms']:.0f} ms "
            f"(body {tally['unit_body_kb']:.0f} KB)"
            if "unit_write_ms" in tally
            else ""
        )
        lines.append(
            f"| 2. `tallies.update` from scratch ({tally.get('releases', 0):,} releases) | "
            f"{seconds(tally)} | {tally.get('peak_mb', 0):,.0f} MB | {per_unit} |"
        )
    if assembled:
        lines.append(
            f"| 2. `assemble_campaign` from the stored tallies | {seconds(assembled)} | "
            f"{assembled.get('peak_mb', 0):,.0f} MB | "
            + (
                f"{assembled['units']:,} units, scores JSON {assembled['json_mb']:.0f} MB; "
                f"{assembled['seconds'] / assembled['units'] * 1000:.1f} ms per unit |"
                if "seconds" in assembled
                else "|"
            )
        )
    if "p95" in api_:
        lines.append(
            f"| 4. snapshot stored by `campaign_result` (worker process) | "
            f"{api_['stored_seconds']:.1f} s | – | stored body {api_['snapshot_mb']:.1f} MB |"
        )
        if "campaign_units" in api_:
            lines.append(
                f"| 4. `campaign_units`, read by every view: median of 5 | "
                f"{api_['campaign_units']['median'] * 1000:,.0f} ms | – | "
                f"{api_['campaign_units']['units']:,} units reached |"
            )
        for kind in api_["p95"]:
            lines.append(
                f"| 4. `campaign_scores` + JSON encoding, {kind} `{api_['codes'][kind]}`: "
                "p95 / median of 5 | "
                f"{api_['p95'][kind] * 1000:,.0f} / {api_['median'][kind] * 1000:,.0f} ms | "
                f"{api_['peak_mb']:,.0f} MB | first view in the process "
                f"{api_['first'][kind] * 1000:,.0f} ms; view JSON {api_['view_mb'][kind]:.2f} MB |"
            )
    elif api_:
        lines.append(f"| 4. scores API | {seconds(api_)} | | |")
    if aggregate:
        lines.append(
            f"| 5. aggregate CSV of every unit | {seconds(aggregate)} | "
            f"{aggregate.get('peak_mb', 0):,.0f} MB | "
            + (
                f"{aggregate['rows']:,} rows, {aggregate['mb']:.1f} MB |"
                if "rows" in aggregate
                else "|"
            )
        )
    if responses:
        lines.append(
            f"| 5. response CSV of every published row | {seconds(responses)} | "
            f"{responses.get('peak_mb', 0):,.0f} MB | "
            + (
                f"{responses['mb']:,.0f} MB written; "
                f"{responses['seconds'] / max(built['published'], 1) * 1e6:.0f} s per million rows |"
                if "mb" in responses
                else "|"
            )
        )
    live = r.get("latency", {})
    if "response" in live:
        lines += [
            "",
            f"3. New responses: {live['inserted']:,} inserted at {live['achieved_rate']:.0f}/s "
            f"(asked {LIVE_RATE}/s for {LIVE_SECONDS} s into {LIVE_SCHOOLS} schools, ten per "
            f"commit, raw driver) while one loop did what the worker does, `publish` then "
            f"`tallies.update` ({live['cycles']} cycles; `publish` p50 "
            f"{live['publish']['p50']:.2f} s, p95 {live['publish']['p95']:.2f} s; a cycle p50 "
            f"{live['cycle']['p50']:.2f} s, max {live['cycle']['max']:.2f} s). "
            f"{live['tallied']:,} of them, in {live['releases']:,} releases, were tallied before "
            f"the loop stopped ({LIVE_SECONDS + 30} s after the start):",
            "",
            "| commit → end of the `update` that tallied it | p50 | p95 | max |",
            "|---|---:|---:|---:|",
            f"| every tallied response (includes waiting for k responses of its school) | "
            f"{live['response']['p50']:.2f} s | {live['response']['p95']:.2f} s | "
            f"{live['response']['max']:.2f} s |",
            f"| the newest response of each release (the one that made it due) | "
            f"{live['newest']['p50']:.2f} s | {live['newest']['p95']:.2f} s | "
            f"{live['newest']['max']:.2f} s |",
        ]
    elif live:
        lines += ["", f"3. New responses: {seconds(live)}."]
    lines += targets(r, built)
    lines += projections(r, built)
    lines += growth(runs)
    lines.append("<!-- /section -->")
    return "\n".join(lines)


def targets(r: dict[str, Any], built: dict[str, Any]) -> list[str]:
    full, live, api_ = r.get("full", {}), r.get("latency", {}), r.get("api", {})
    aggregate, responses = r.get("aggregate", {}), r.get("responses", {})
    lines = ["", "Targets at this size:", ""]
    if "load" in full:
        total = full["load"] + full["score"]
        lines.append(
            f"- Full re-scoring ≤ {TARGETS['full_seconds']} s and ≤ 4 GB: "
            f"{verdict(total <= TARGETS['full_seconds'])} ({total:.1f} s), "
            f"{verdict(full['peak_mb'] <= TARGETS['full_mb'])} ({full['peak_mb']:,.0f} MB)."
        )
    assembled = r.get("assemble", {})
    if "seconds" in assembled:
        lines.append(
            f"- Re-scoring from the stored tallies (`assemble_campaign`, what the worker runs once "
            f"the one-off tally is made) ≤ {TARGETS['full_seconds']} s and ≤ 4 GB: "
            f"{verdict(assembled['seconds'] <= TARGETS['full_seconds'])} "
            f"({assembled['seconds']:.1f} s), "
            f"{verdict(assembled['peak_mb'] <= TARGETS['full_mb'])} "
            f"({assembled['peak_mb']:,.0f} MB)."
        )
    if "newest" in live:
        lines.append(
            f"- Reflected ≤ {TARGETS['latency_seconds']} s after commit at {LIVE_RATE}/s (newest "
            f"response of each release, p95): "
            f"{verdict(live['newest']['p95'] <= TARGETS['latency_seconds'])} "
            f"({live['newest']['p95']:.2f} s; "
            f"{live['tallied']:,} of {live['inserted']:,} tallied)."
        )
    if "p95" in api_:
        slowest = max(api_["p95"], key=api_["p95"].get)
        worst = api_["p95"][slowest]
        lines.append(
            f"- Scores API p95 ≤ {TARGETS['api_ms']} ms for any unit: "
            f"{verdict(worst * 1000 <= TARGETS['api_ms'])} (worst {worst * 1000:,.0f} ms, "
            f"{slowest})."
        )
    if "seconds" in aggregate:
        lines.append(
            f"- Aggregate CSV ≤ {TARGETS['aggregate_seconds']} s: "
            f"{verdict(aggregate['seconds'] <= TARGETS['aggregate_seconds'])} "
            f"({aggregate['seconds']:.1f} s)."
        )
    if "seconds" in responses:
        lines.append(
            f"- Response CSV ≤ 300 MB and ≤ 5 min: "
            f"{verdict(responses['peak_mb'] <= TARGETS['responses_mb'])} "
            f"({responses['peak_mb']:,.0f} MB), "
            f"{verdict(responses['seconds'] <= TARGETS['responses_seconds'])} "
            f"({responses['seconds']:.0f} s; at 20 million rows "
            f"{responses['seconds'] / max(built['published'], 1) * 2e7 / 60:,.0f} min at the same "
            "rate)."
        )
    return lines


def projections(r: dict[str, Any], built: dict[str, Any]) -> list[str]:
    """Straight-line extrapolations of this run to the national size (not measurements)."""
    if built["units"] >= NATIONAL_UNITS * 0.9 and built["published"] >= 18e6:
        return []  # the run is of the national size
    millions = 20 * 1e6 / max(built["published"], 1)
    per_unit = NATIONAL_UNITS / built["units"]
    lines = [
        "",
        f"Straight lines from this run to 20 million responses and {NATIONAL_UNITS:,} units "
        "(an extrapolation, not a measurement):",
        "",
    ]
    tally, assembled, api_ = r.get("tally", {}), r.get("assemble", {}), r.get("api", {})
    responses, disk = r.get("responses", {}), r.get("disk", {})
    if "seconds" in tally:
        lines.append(
            f"- tallying every release from scratch: {tally['seconds'] * millions / 60:,.0f} min "
            "if it grew linearly with responses"
            + (
                f"; `unit_tally` {disk['unit_tally'] / built['units'] * NATIONAL_UNITS / 1e9:.1f} GB "
                f"({disk['unit_tally'] / built['units'] / 1e3:.0f} KB on disk per unit of the "
                f"tree, a school's stored tally {tally['unit_body_kb']:.0f} KB)"
                if "unit_tally" in disk
                else ""
            )
            + ";"
        )
    if "seconds" in assembled:
        lines.append(
            f"- every re-scoring from the tallies (`assemble_campaign`): "
            f"{assembled['seconds'] * per_unit / 60:,.0f} min, scores JSON "
            f"{assembled['json_mb'] * per_unit:,.0f} MB (both grow with units, not responses);"
        )
    if "p95" in api_:
        lines.append(
            f"- the root's view (`campaign_scores`) carries every unit's group: "
            f"{api_['view_mb']['root'] * per_unit:,.0f} MB of JSON; stored snapshot "
            f"{api_['snapshot_mb'] * per_unit:,.0f} MB;"
        )
    if "seconds" in responses:
        lines.append(
            f"- response CSV of every row: {responses['seconds'] * millions / 60:,.0f} min if it "
            "grew linearly."
        )
    return lines


def growth(runs: list[dict[str, Any]]) -> list[str]:
    """One row per saved run: how each cost grows with responses and with units."""
    lines = [
        "",
        "Growth over the runs made (each row its own command and data, on a machine otherwise "
        "idle):",
        "",
        "| responses | units | load_answers | score_loaded | peak | tallies from scratch | "
        "assemble_campaign | response CSV | command, date |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    shown = [
        run for run in runs if {"full", "tally", "assemble", "responses"} & set(run["results"])
    ]
    for run in sorted(shown, key=lambda x: (x["built"]["units"], x["args"]["responses"])):
        r = run["results"]
        full = r.get("full", {})
        lines.append(
            f"| {run['args']['responses']:,} | {run['built']['units']:,} | "
            f"{seconds(full, 'load')} | {seconds(full, 'score')} | "
            f"{full.get('peak_mb', 0):,.0f} MB | {seconds(r.get('tally', {}))} | "
            f"{seconds(r.get('assemble', {}))} | {seconds(r.get('responses', {}))} | "
            f"`{command_of(run['args'])}`, "
            f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime(run['at']))} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, default=20_000_000)
    parser.add_argument("--schools", type=int, default=50_000)
    parser.add_argument("--communes", type=int, default=3321)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--only", default=",".join(MEASUREMENTS), help="measurements to run")
    parser.add_argument("--reuse", action="store_true", help="measure the kept database")
    parser.add_argument("--no-doc", action="store_true", help="print, do not write the doc")
    parser.add_argument(
        "--report", action="store_true", help="write the section from the runs saved so far"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args)
        return
    if args.report:
        report()
        return
    if args.reuse:
        built = json.loads(Path(f"/tmp/{SCRATCH}.json").read_text())
    else:
        log(f"building {args.responses:,} responses")
        pg(f"DROP DATABASE IF EXISTS {SCRATCH}")
        pg(f"CREATE DATABASE {SCRATCH}")
        sizes = ("--responses", str(args.responses), "--schools", str(args.schools))
        built = child("build", *sizes, "--communes", str(args.communes), limit=BUILD_LIMIT)
        if "load_seconds" not in built:
            raise SystemExit(f"build: {built}")
        Path(f"/tmp/{SCRATCH}.json").write_text(json.dumps(built))
        log(f"built in {built['load_seconds']:.0f} s")
    results: dict[str, Any] = {}
    try:
        for name in [n for n in args.only.split(",") if n]:
            results[name] = child(name, limit=LIMITS.get(name, LIMIT_SECONDS))
        results["disk"] = asyncio.run(sizes_on_disk())
        results["autovacuum"] = asyncio.run(setting("autovacuum"))
    finally:
        if not args.keep:
            pg(f"DROP DATABASE IF EXISTS {SCRATCH}")
    run = {"args": vars(args), "built": built, "results": results, "at": time.time()}
    run["commit"] = head_commit()  # the working tree measured may differ from it
    SAVED.mkdir(exist_ok=True)
    (SAVED / f"{args.responses}-{args.schools}-{args.only}.json").write_text(json.dumps(run))
    if not args.no_doc:
        report()


def report() -> None:
    """One section per size measured (``national-<responses>``): the runs of that size, made
    one measurement at a time or several at once on the same kept data, merged (a later run's
    figure replaces an earlier one's), with every run's growth at the end."""
    runs = [json.loads(path.read_text()) for path in sorted(SAVED.glob("*.json"))]
    for size in sorted({run["args"]["responses"] for run in runs}):
        text = section(merged([run for run in runs if run["args"]["responses"] == size]), runs)
        print(text)
        put_section(f"national-{size}", text)


def merged(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Runs of one size as one: each measurement from the latest run that made it, the data
    and disk sizes of the latest run, and the commands that made them."""
    runs = sorted(runs, key=lambda run: run["at"])
    results: dict[str, Any] = {}
    for run in runs:
        results.update(run["results"])
    latest = runs[-1]
    return {
        **latest,
        "results": results,
        "made_by": [(run["args"], run["at"], run.get("commit", "unknown")) for run in runs],
    }


if __name__ == "__main__":
    main()
