"""Benchmark: the full scores JSON of a province — 1,000,000 responses × 30 questions × 1,000 units.

    .venv/bin/python bench/score.py [--responses 1000000] [--units 1000] [--engines sqlite,postgres]

Library: synthetic answers (each school its own satisfaction level, each respondent a mood around
it, 3 % blanks, 2 % "no opinion", five dimensions and an overall question) over a tree of one
Sở, 100 communes and ``--units`` schools, scored by ``analysis.score`` with 1,000 bootstrap
replicates and every group, comparison and suppression — the JSON an office would download. In
the same child process, two floors of the same size are measured, the work no scorer can skip:
counting every answer per group (one ``bincount`` per question) and the bootstrap's arithmetic
(1,000 replicate weights × every respondent × the 2 × 29 indicator columns, one BLAS product).
The report gives the ratio of the scorer to their sum. Peak memory is the child's own.

Database: per engine, a scratch database with the same tree, the real phổ thông questionnaire
and N stored responses (bulk-inserted with the raw driver, not timed); then the server's own
path, timed in two parts: reading and decoding the campaign's rows (``load_answers``), and
scoring them (``score_loaded``). Before that, the first release of every stored response
(``publish``), beside a floor that rewrites every row once, and a second ``publish`` with
nothing due (what each view pays).

Targets (issue 5): the library in ≤ 5 s and ≤ 2 GB. Results go to docs/PERFORMANCE.md (its
"Scoring" section; bench/run.py keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sections import put_section

ROOT = Path(__file__).resolve().parent.parent

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
PG_SCRATCH = "bench_lang_nghe_scores"
COMMUNES = 100
CAMPAIGN = "BENCH-2026"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- library -------------------------------------------------------------------------------


def synthetic(responses: int, units: int, seed: int = 1) -> tuple[Any, Any, Any]:
    """An instrument of 30 scale questions, the answers and the unit tree."""
    from analysis.instrument import Dimension, Instrument, ResponseData, ScaleItem
    from analysis.scores import Groups

    rng = np.random.default_rng(seed)
    items = tuple(ScaleItem(f"q{i}", 5, 4, overall=i == 29) for i in range(30))
    dimensions = tuple(
        Dimension(f"d{d}", tuple(f"q{i}" for i in range(6 * d, min(6 * d + 6, 29))))
        for d in range(5)
    )
    school = rng.integers(0, units, responses)
    mood = rng.uniform(3.2, 4.6, units)[school] + rng.normal(0, 0.5, responses)
    answers = np.clip(np.rint(mood[:, None] + rng.normal(0, 0.7, (responses, 30))), 1, 5)
    answers = answers.astype(np.uint8)
    noise = rng.random((responses, 30))
    answers[noise < 0.03] = 0
    answers[(noise >= 0.03) & (noise < 0.05)] = 255
    keys = ("SO", *(f"XA-{c}" for c in range(COMMUNES)), *(f"TR-{u}" for u in range(units)))
    parents = (-1, *(0,) * COMMUNES, *(1 + u % COMMUNES for u in range(units)))
    groups = Groups(
        keys,
        parents,
        school + 1 + COMMUNES,
        (None,) * (1 + COMMUNES) + (1500,) * units,
    )
    data = ResponseData(answers, duration_bucket=rng.integers(1, 6, responses).astype(np.int16))
    return Instrument("bench", 1, items, dimensions), data, groups


def library_child(responses: int, units: int) -> dict[str, Any]:
    """Runs in its own process, so its peak memory is the scorer's."""
    from analysis.scores import score

    instrument, data, groups = synthetic(responses, units)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = score(instrument, data, k=10, groups=groups)
    text = json.dumps(result.json, ensure_ascii=False)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.perf_counter()
    codes = np.asarray(groups.of)
    size = len(groups.keys) * 7
    for column in range(data.scale.shape[1]):
        values = np.minimum(data.scale[:, column], 6).astype(np.intp)
        np.bincount(codes * 7 + values, minlength=size)
    counting = time.perf_counter() - started
    weights = np.random.default_rng(0).poisson(1.0, (1000, 4096)).astype(np.float32)
    indicators = (data.scale[:, :29] >= 4).astype(np.float32)
    indicators = np.concatenate([indicators, indicators], axis=1)
    started = time.perf_counter()
    for start in range(0, responses, 4096):
        block = indicators[start : start + 4096]
        weights[:, : block.shape[0]] @ block
    arithmetic = time.perf_counter() - started
    shown = sum(not group["suppressed"] for group in result.json["groups"].values())
    return {
        "responses": responses,
        "units": units,
        "groups": len(groups.keys),
        "shown": shown,
        "seconds": seconds,
        "json_mb": len(text.encode()) / 1e6,
        "peak_mb": peak,
        "data_mb": rss_data,
        "floor_counting": counting,
        "floor_bootstrap": arithmetic,
    }


# -- database ------------------------------------------------------------------------------


#: The comments are a fixed list of clean texts: the scrubber's statistical second pass, which a
#: release waits for (``responses.second_pass``, measured by ``bench/scrub.py``), is marked done
#: so that publishing measures releasing alone.
SECOND_PASS_DONE = "UPDATE submission SET scrubbed = 1"


def receipt(rng: random.Random) -> str:
    """A receipt as the server makes one (``distribution.codes.new_code``), from a seeded
    generator: ten random characters of the code alphabet, also the response's bootstrap key."""
    from survey_server.distribution.codes import ALPHABET, RECEIPT_LENGTH

    return "".join(rng.choices(ALPHABET, k=RECEIPT_LENGTH))


def units_csv(path: Path, units: int) -> None:
    lines = ["code,name,kind,level,parent_code,expected_respondents"]
    lines.append("SO-BENCH,Sở Giáo dục và Đào tạo thử,department,,,")
    lines += [f"XA-{c},Ủy ban nhân dân xã {c},commune,,SO-BENCH," for c in range(COMMUNES)]
    lines += [
        f"TR-{u},Trường Tiểu học số {u},school,tieu_hoc,XA-{u % COMMUNES},1500"
        for u in range(units)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def prepare_database(url: str, units: int, responses: int, workdir: Path) -> None:
    """Schema, tree, questionnaire, campaign and ``responses`` stored rows (bulk, untimed)."""
    from survey_server.campaigns.services import CampaignSpec
    from survey_server.db.migrate import migrate
    from survey_server.distribution.services import open_campaign
    from survey_server.distribution.tables import Link
    from survey_server.questionnaires.services import get_form_spec, load_questionnaires
    from survey_server.responses.validation import validate_answers
    from survey_server.responses.writer import COLUMNS
    from survey_server.units.services import import_units

    await migrate(url)
    units_csv(workdir / "units.csv", units)
    await import_units(workdir / "units.csv")
    outcome = (
        await load_questionnaires([ROOT / "questionnaires" / "hai-long-pho-thong.yaml"], "UTC")
    )[0]
    day = date.today()
    spec = CampaignSpec(
        code=CAMPAIGN,
        title={"vi": "Đợt đo hiệu năng"},
        questionnaire_slug=outcome.slug,
        root_unit_code="SO-BENCH",
        opens_on=day - timedelta(days=7),
        closes_on=day + timedelta(days=30),
    )
    await open_campaign(spec, "UTC", ("qr_meeting",))
    links = await Link.select(
        Link.id,
        Link.unit,
        Link.campaign,
        Link.campaign.questionnaire,
        Link.campaign.questionnaire.content_hash,
    )
    form = await get_form_spec(links[0]["campaign.questionnaire.content_hash"])
    rng = random.Random(3)
    mood = {link["id"]: rng.uniform(3.2, 4.6) for link in links}
    comments = (
        "Đề nghị nhà trường sửa nhà vệ sinh.",
        "Cô giáo rất tận tâm.",
        "Mong giảm các khoản thu.",
    )
    log(f"generating {responses:,} responses")
    # a few thousand distinct answer sets, validated and packed by the product, reused
    patterns = []
    for _ in range(4000):
        level = rng.uniform(3.0, 4.8)
        answers: dict[str, Any] = {}
        for question in form.questions:
            if question.type == "scale" and rng.random() > 0.03:
                answers[question.id] = max(1, min(5, round(rng.gauss(level, 0.7))))
            elif question.type == "single":
                answers[question.id] = rng.choice([option.id for option in question.options or ()])
            elif question.type == "text" and rng.random() < 0.3:
                answers[question.id] = rng.choice(comments)
        clean, _ = validate_answers(form, answers)
        assert clean is not None
        patterns.append((clean.closed, json.dumps(clean.answers, ensure_ascii=False)))
    rows = []
    for number in range(responses):
        link = links[number % len(links)]
        closed, answers_json = patterns[
            (number * 7919 + int(mood[link["id"]] * 97)) % len(patterns)
        ]
        rows.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                receipt(rng),
                link["campaign"],
                link["id"],
                link["unit"],
                "qr_meeting",
                None,
                link["campaign.questionnaire"],
                "vi",
                day,
                rng.choice((2, 3, 3, 4)),
                closed,
                answers_json,
                0,  # held: none waits for approval
                None,  # paper_batch: given online
            )
        )
    log(f"inserting {responses:,} rows")
    columns = ", ".join(COLUMNS)
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        connection = sqlite3.connect(path)
        marks = ", ".join("?" * len(COLUMNS))
        connection.executemany(f"INSERT INTO submission ({columns}) VALUES ({marks})", rows)
        connection.execute(SECOND_PASS_DONE)
        connection.commit()
        connection.close()
    else:
        import asyncpg

        connection = await asyncpg.connect(url)
        rows = [(uuid.UUID(row[0]), *row[1:]) for row in rows]
        await connection.copy_records_to_table("submission", records=rows, columns=list(COLUMNS))
        await connection.execute(SECOND_PASS_DONE)
        await connection.execute("ANALYZE submission")
        await connection.close()


async def time_database(url: str) -> dict[str, float]:
    from piccolo.engine.postgres import PostgresEngine

    from survey_server.campaigns.services import get_campaign
    from survey_server.db.migrate import migrate
    from survey_server.responses.tables import Submission
    from survey_server.scoring import tallies
    from survey_server.scoring.services import (
        assemble_campaign,
        campaign_form,
        comment_expression,
        load_answers,
        publish,
        score_loaded,
    )
    from survey_server.units.services import get_unit

    engine = await migrate(url)
    pooled = isinstance(engine, PostgresEngine)
    if pooled:
        await engine.start_connection_pool()
    campaign = await get_campaign(CAMPAIGN)
    unit = await get_unit("SO-BENCH")
    # every stored response waits for its release: the first view publishes them all
    started = time.perf_counter()
    await publish(campaign)
    first_release = time.perf_counter() - started
    started = time.perf_counter()
    await publish(campaign)  # what every later view pays when no release is due
    nothing_due = time.perf_counter() - started
    started = time.perf_counter()  # floor: rewrite every row of the campaign once
    await Submission.raw(
        "UPDATE submission SET duration_bucket = duration_bucket WHERE campaign = {}",
        campaign["id"],
    )
    rewrite_floor = time.perf_counter() - started
    started = time.perf_counter()
    answers = await load_answers(campaign, unit)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    scores = score_loaded(answers)
    json.dumps(scores.json, ensure_ascii=False)
    scored = time.perf_counter() - started
    del answers
    spec = await campaign_form(campaign)
    started = time.perf_counter()  # once: every release added to its unit's tally
    await tallies.update(campaign, spec.questionnaire, comment_expression(spec, "s.answers"))
    tallied = time.perf_counter() - started
    started = time.perf_counter()  # what each re-scoring costs now: add up the stored tallies
    assembled, _ = await assemble_campaign(campaign)
    json.dumps(assembled.json, ensure_ascii=False)
    assembling = time.perf_counter() - started
    if pooled:
        await engine.close_connection_pool()
    return {
        "rows": scores.json["n"],
        "tally": tallied,
        "assemble": assembling,
        "load": loaded,
        "score": scored,
        "first_release": first_release,
        "nothing_due": nothing_due,
        "rewrite_floor": rewrite_floor,
    }


def database_child(engine: str, responses: int, units: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        if engine == "sqlite":
            url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            pg(f"DROP DATABASE IF EXISTS {PG_SCRATCH}")
            pg(f"CREATE DATABASE {PG_SCRATCH}")
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_SCRATCH}"
        try:
            asyncio.run(prepare_database(url, units, responses, workdir))
            log(f"{engine}: scoring from the database")
            result = asyncio.run(time_database(url))
        finally:
            if engine == "postgres":
                pg(f"DROP DATABASE IF EXISTS {PG_SCRATCH}")
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def pg(sql: str) -> None:
    import asyncpg

    async def go() -> None:
        connection = await asyncpg.connect(PG_ADMIN)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(go())


# -- report --------------------------------------------------------------------------------


def child(*args: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    sys.stderr.write(output.stderr)
    if output.returncode:
        raise SystemExit(f"child {args} failed")
    return json.loads(output.stdout.strip().splitlines()[-1])


def section(library: dict[str, Any], databases: dict[str, dict[str, Any]], command: str) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    floor = library["floor_counting"] + library["floor_bootstrap"]
    lines = [
        "<!-- section:scoring -->",
        "## Scoring a province",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}.",
        "",
        f"Library (`analysis.score`, the full scores JSON of docs/scoring.md with 1,000 bootstrap replicates): "
        f"{library['responses']:,} responses × 30 questions, {library['units']:,} schools under "
        f"{COMMUNES} communes under one Sở ({library['groups']:,} groups, {library['shown']:,} shown after "
        f"suppression); JSON {library['json_mb']:.1f} MB.",
        "",
        "| measured in the same process | time |",
        "|---|---:|",
        f"| floor: count every answer per group (30 `bincount`) | {library['floor_counting']:.2f} s |",
        f"| floor: bootstrap arithmetic (1,000 × {library['responses']:,} × 58 BLAS product) | {library['floor_bootstrap']:.2f} s |",
        f"| **scores JSON** | **{library['seconds']:.2f} s** |",
        f"| ratio scores / floors | {library['seconds'] / floor:.2f} |",
        "",
        f"- Target ≤ 5 s: {'met' if library['seconds'] <= 5 else 'NOT met'} ({library['seconds']:.2f} s).",
        f"- Target ≤ 2 GB: {'met' if library['peak_mb'] <= 2048 else 'NOT met'} (peak {library['peak_mb']:,.0f} MB "
        f"for the whole process, of which {library['data_mb']:,.0f} MB before scoring: Python, numpy and the answers).",
    ]
    if databases:
        lines += [
            "",
            "From the database, the server's own path (`scoring.services.load_answers`, then "
            "`score_loaded`), on the real phổ thông questionnaire (28 scale questions, one choice, "
            "one comment box; 30 % of responses with a comment):",
            "",
            "| engine | rows | load (read + decode) | score | total | peak memory |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for engine, result in databases.items():
            lines.append(
                f"| {engine} | {result['rows']:,} | {result['load']:.2f} s | {result['score']:.2f} s | "
                f"{result['load'] + result['score']:.2f} s | {result['peak_mb']:,.0f} MB |"
            )
        lines += [
            "",
            "Incremental scoring (`scoring.tallies`, docs/scoring.md): each release is added once "
            "to its unit's tally; every re-scoring then adds up the stored tallies "
            "(`scoring.services.assemble_campaign`) and reads no response. Its floor is the full "
            "scoring above, which it replaces:",
            "",
            "| engine | tally every release (once) | re-scoring from tallies | full scoring | ratio |",
            "|---|---:|---:|---:|---:|",
        ]
        for engine, result in databases.items():
            full = result["load"] + result["score"]
            lines.append(
                f"| {engine} | {result['tally']:.2f} s | {result['assemble']:.2f} s | "
                f"{full:.2f} s | {result['assemble'] / full:.2f} |"
            )
        lines += [
            "",
            'Publishing (`scoring.services.publish`, docs/PRIVACY.md "Releases"): every stored '
            "response waits at first, so the first view releases the whole campaign, one release per "
            "school; later views pay only the check for due releases. The floor rewrites every row "
            "of the campaign once (`UPDATE … SET duration_bucket = duration_bucket`), in the same run.",
            "",
            "| engine | first release of every response | floor: rewrite every row | ratio | check, nothing due |",
            "|---|---:|---:|---:|---:|",
        ]
        for engine, result in databases.items():
            lines.append(
                f"| {engine} | {result['first_release']:.2f} s | {result['rewrite_floor']:.2f} s | "
                f"{result['first_release'] / result['rewrite_floor']:.1f} | "
                f"{result['nothing_due'] * 1000:.0f} ms |"
            )
    lines.append("<!-- /section -->")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--engines", default="sqlite,postgres", help="empty for the library only")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind = args.child[0]
        if kind == "library":
            print(json.dumps(library_child(args.responses, args.units)))
        else:
            print(json.dumps(database_child(kind, args.responses, args.units)))
        return
    log("library")
    library = child("library", "--responses", str(args.responses), "--units", str(args.units))
    databases = {}
    for engine in [e for e in args.engines.split(",") if e]:
        log(engine)
        databases[engine] = child(
            engine, "--responses", str(args.responses), "--units", str(args.units)
        )
    command = f".venv/bin/python bench/score.py --responses {args.responses} --units {args.units} --engines {args.engines}"
    text = section(library, databases, command)
    print(text)
    put_section("scoring", text)


if __name__ == "__main__":
    main()
