"""Benchmark: setting up the principal accounts of a province, on SQLite and on PostgreSQL.

    .venv/bin/python bench/accounts.py [--schools 1000] [--communes 30] [--engines sqlite,postgres]

Per engine, a scratch database with a synthetic unit tree (one Sở, ``--communes`` communes,
``--schools`` schools spread over them) imported through the product's unit import. Measured in
one process:

* floor: the keyed hashes of as many one-time codes alone (``sign_in_codes.code_digest``);
* floor: a plain insert of as many account rows (the same table, chunks and transaction);
* the product's path: ``account_bulk.bulk_create_principals`` on the Sở (find the schools
  without an account, derive usernames, issue codes, insert, audit — one transaction);
* the printed sheets of those codes (``codes_pdf.render_code_sheets``, one page per commune);
* for comparison, Argon2id (the password hash) of 20 codes, scaled to the number of schools:
  what the codes would cost with the password hash.

Results go to docs/PERFORMANCE.md (its "accounts" section).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from score import pg  # noqa: E402  (the scratch-database helper of the scoring benchmark)
from sections import put_section  # noqa: E402

from survey_server.db.engine import bind_engine  # noqa: E402
from survey_server.db.migrate import migrate  # noqa: E402
from survey_server.staff.account_bulk import bulk_create_principals  # noqa: E402
from survey_server.staff.codes_pdf import render_code_sheets  # noqa: E402
from survey_server.staff.passwords import hash_password  # noqa: E402
from survey_server.staff.sign_in_codes import code_digest, new_code  # noqa: E402
from survey_server.staff.tables import StaffUser  # noqa: E402
from survey_server.timekeeping import today  # noqa: E402
from survey_server.units.services import import_units  # noqa: E402
from survey_server.units.tables import Unit  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
PG_SCRATCH = "bench_lang_nghe_accounts"
ROOT_UNIT = "SO-BENCH"
SECRET = "bench-secret"
ARGON2_SAMPLE = 20


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def unit_tree(schools: int, communes: int) -> str:
    lines = [
        "code,name,kind,level,parent_code",
        f"{ROOT_UNIT},Sở Giáo dục và Đào tạo tỉnh Thử Nghiệm,department,,",
    ]
    lines += [
        f"XA-{c:03d},Ủy ban nhân dân xã Thử Nghiệm {c},commune,,{ROOT_UNIT}"
        for c in range(communes)
    ]
    lines += [
        f"TH-{s:04d},Trường Tiểu học Nguyễn Văn Trỗi số {s},school,tieu_hoc,XA-{s % communes:03d}"
        for s in range(schools)
    ]
    return "\n".join(lines) + "\n"


async def measure(url: str, schools: int, communes: int, workdir: Path) -> dict[str, Any]:
    bind_engine(await migrate(url))
    tree = workdir / "units.csv"
    tree.write_text(unit_tree(schools, communes), encoding="utf-8")
    await import_units(tree)
    school_ids = [row["id"] for row in await Unit.select(Unit.id).where(Unit.kind == "school")]
    codes = [new_code() for _ in school_ids]

    started = time.perf_counter()
    digests = [code_digest(SECRET, f"ht.th-{i:04d}", code) for i, code in enumerate(codes)]
    hashing = time.perf_counter() - started

    rows = [
        StaffUser(
            username=f"floor.{i}",
            password_hash="",
            role="principal",
            unit=unit_id,
            created_on=today("Asia/Ho_Chi_Minh"),
            code_hash=digest,
        )
        for i, (unit_id, digest) in enumerate(zip(school_ids, digests, strict=True))
    ]
    started = time.perf_counter()
    async with StaffUser._meta.db.transaction():
        for start in range(0, len(rows), 500):
            await StaffUser.insert(*rows[start : start + 500])
    plain_insert = time.perf_counter() - started
    await StaffUser.delete(force=True)

    started = time.perf_counter()
    issued = await bulk_create_principals(None, ROOT_UNIT, SECRET)
    create = time.perf_counter() - started
    assert len(issued) == schools, len(issued)

    started = time.perf_counter()
    sheets = render_code_sheets(issued, "https://khaosat.example.gov.vn")
    render = time.perf_counter() - started
    pages = len(re.findall(rb"/Type /Page\b(?!s)", sheets))

    started = time.perf_counter()
    for code in codes[:ARGON2_SAMPLE]:
        hash_password(code)
    argon2 = (time.perf_counter() - started) * len(codes) / ARGON2_SAMPLE
    return {
        "schools": schools,
        "communes": communes,
        "hashing": hashing,
        "plain_insert": plain_insert,
        "create": create,
        "render": render,
        "pdf_bytes": len(sheets),
        "pages": pages,
        "argon2": argon2,
    }


def engine_child(engine: str, schools: int, communes: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if engine == "sqlite":
            url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            pg(f"DROP DATABASE IF EXISTS {PG_SCRATCH}")
            pg(f"CREATE DATABASE {PG_SCRATCH}")
            url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{PG_SCRATCH}"
        try:
            return asyncio.run(measure(url, schools, communes, workdir))
        finally:
            if engine == "postgres":
                pg(f"DROP DATABASE IF EXISTS {PG_SCRATCH} WITH (FORCE)")


def section(results: dict[str, dict[str, Any]], command: str) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    first = next(iter(results.values()))
    lines = [
        "<!-- section:accounts -->",
        "## Accounts: setting up the principals of a province",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit "
        f"{commit}, {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the end), "
        f"Python {platform.python_version()}.",
        "",
        f"A synthetic province ({first['schools']:,} schools in {first['communes']} communes "
        "under one Sở). `account_bulk.bulk_create_principals` on the Sở: a principal account "
        "with a one-time code for every school, in one transaction with its audit; then the "
        "printed sheets (`codes_pdf.render_code_sheets`, one page per commune). Floors measured "
        "in the same process: the keyed hashes (HMAC-SHA256) of as many codes alone, and a "
        "plain insert of as many account rows.",
        "",
        "| engine | accounts | floor: hash codes | floor: plain insert | **bulk creation** | "
        "creation / floors | PDF sheets | pages | PDF size | Argon2id instead (est.) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, r in results.items():
        floors = r["hashing"] + r["plain_insert"]
        lines.append(
            f"| {engine} | {r['schools']:,} | {r['hashing'] * 1000:.1f} ms "
            f"| {r['plain_insert']:.2f} s | **{r['create']:.2f} s** | {r['create'] / floors:.1f} "
            f"| {r['render']:.2f} s | {r['pages']} | {r['pdf_bytes'] / 1e3:.0f} KB "
            f"| {r['argon2']:.0f} s |"
        )
    lines += [
        "",
        "- The codes are random (about 70 bits), so they are stored as a keyed HMAC-SHA256, not "
        "with the slow password hash: the last column is what Argon2id would add (measured on "
        f"{ARGON2_SAMPLE} codes, scaled).",
        "- Creation above the floors is the product's own work: reading the subtree and the "
        "existing accounts, deriving usernames, the office of each school and the audit event.",
        "<!-- /section -->",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--communes", type=int, default=30)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(engine_child(args.child, args.schools, args.communes)))
        return
    results = {}
    for engine in [e for e in args.engines.split(",") if e]:
        log(engine)
        output = subprocess.run(
            [sys.executable, __file__, "--child", engine, "--schools", str(args.schools),
             "--communes", str(args.communes)],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        sys.stderr.write(output.stderr[-3000:])
        if output.returncode:
            raise SystemExit(f"{engine} failed")
        results[engine] = json.loads(output.stdout.strip().splitlines()[-1])
    command = (
        f".venv/bin/python bench/accounts.py --schools {args.schools} --communes "
        f"{args.communes} --engines {args.engines}"
    )
    text = section(results, command)
    print(text)
    put_section("accounts", text)


if __name__ == "__main__":
    main()
