"""Benchmark: provinces' results packages merged into national scores (docs/RESULTS-PACKAGE.md).

    .venv/bin/python bench/federation.py [--provinces 34] [--units 1500] [--per-unit 40]

One province is built through the product path: a scratch SQLite database with one Sở, 100
communes, ``--units`` schools and ``--per-unit`` stored responses per school of the real phổ
thông questionnaire (``bench/score.py``'s bulk loader, untimed), published
(``scoring.services.publish``: ``build_package`` makes no release itself), exported by
``results.package.build_package`` — timed twice: the first export, which tallies every release,
and a second one with nothing new — then ``encode``d gzip-compressed. The package is then copied
``--provinces`` times, each with its unit codes renamed (the Sở becomes ``SO-01`` …, its units
``P01-…``) and signed with its own key (its own data directory), as 34 installations would;
``--merged-schools`` keeps only each copy's first schools (and their communes), so that the
national merge fits the machine. The tallies are the same in every copy: package size and merge
cost depend on the number of units and of bootstrap replicates, not on the values.

The Bộ's side runs in two more child processes on a fresh SQLite database that knows the
questionnaire and trusts the keys: ``results.merge.import_packages`` of every package together
(verify + store), then ``results.merge.rolled_up`` (the national scores from the stored packages,
each verified again) and the JSON of its scores. Beside them, the same children measure on the
same bytes: gunzip + ``json.loads`` of every package and the Ed25519 signature checks over the
canonical JSON alone (the floor), every unit's ``Tally.from_json``, and the verification of every
stored package again, apart. Peak memory is each child's own.

Target (issue: federation): 34 province packages merged into national scores in ≤ 30 s.
Results go to docs/PERFORMANCE.md (``<!-- section:federation -->``).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from score import CAMPAIGN, COMMUNES, ROOT, log, prepare_database
from sections import put_section


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- a province ----------------------------------------------------------------------------


def export_child(workdir: Path, units: int, per_unit: int) -> dict[str, Any]:
    """One province exported through the product path; its package written to ``workdir``."""
    from survey_server.campaigns.services import get_campaign
    from survey_server.db.migrate import migrate
    from survey_server.results.package import build_package, encode
    from survey_server.scoring.services import publish

    url = f"sqlite:///{workdir / 'province.db'}"
    asyncio.run(prepare_database(url, units, units * per_unit, workdir))
    rss_loaded = peak_mb()

    async def export() -> tuple[dict[str, Any], float, float, float]:
        await migrate(url)
        started = time.perf_counter()
        # ``build_package`` makes no release itself (``results export`` neither): publish first
        await publish(await get_campaign(CAMPAIGN))
        released = time.perf_counter() - started
        started = time.perf_counter()
        await build_package(CAMPAIGN, workdir / "province-data")
        first = time.perf_counter() - started
        started = time.perf_counter()
        package = await build_package(CAMPAIGN, workdir / "province-data")
        return package, released, first, time.perf_counter() - started

    log("export: publish + build_package")
    package, released, first, again = asyncio.run(export())
    started = time.perf_counter()
    body = encode(package, compressed=True)
    encoding = time.perf_counter() - started
    (workdir / "province.json.gz").write_bytes(body)
    units_shown = package["payload"]["units"]
    return {
        "responses": units * per_unit,
        "units_shown": len(units_shown),
        "n": sum(unit["tally"]["n"] for unit in units_shown),
        "publish": released,
        "export_first": first,
        "export_again": again,
        "encode": encoding,
        "bytes_gz": len(body),
        "bytes_json": len(gzip.decompress(body)),
        "peak_mb": peak_mb(),
        "loaded_mb": rss_loaded,
    }


def provinces(workdir: Path, count: int, schools: int | None) -> int:
    """``count`` renamed copies of the province's package, each signed with its own key,
    written with the key's public text beside it (what ``results key`` prints); each keeps
    its first ``schools`` schools (all when ``None``) and their communes. Its unit count."""
    from survey_server.results.package import encode
    from survey_server.results.signing import fingerprint, public_text, sign, signing_key

    package = json.loads(gzip.decompress((workdir / "province.json.gz").read_bytes()))
    payload = package["payload"]
    old_root = payload["root"]
    chosen = [unit for unit in payload["units"] if unit["kind"] == "school"][:schools]
    parent = {unit["code"]: unit["parent"] for unit in payload["units"]}
    wanted = {unit["code"] for unit in chosen} | {old_root}
    for unit in chosen:  # with their ancestors: a unit with nothing below it would show 0
        code = unit["parent"]
        while code is not None:
            wanted.add(code)
            code = parent[code]
    kept = [unit for unit in payload["units"] if unit["code"] in wanted]
    for number in range(1, count + 1):
        root = f"SO-{number:02d}"

        def renamed(code: str | None, root: str = root, number: int = number) -> str | None:
            if code is None or code == old_root:
                return None if code is None else root
            return f"P{number:02d}-{code}"

        units = [
            {**unit, "code": renamed(unit["code"]), "parent": renamed(unit["parent"])}
            for unit in kept
        ]
        units[0]["name"] = f"Sở Giáo dục và Đào tạo tỉnh {number:02d}"
        signed = {"format": package["format"], "payload": {**payload, "root": root, "units": units}}
        key = signing_key(workdir / f"data-{number:02d}")
        public = public_text(key.public_key())
        document = {
            **signed,
            "signature": {
                "algorithm": package["signature"]["algorithm"],
                "key": fingerprint(public),
                "value": sign(key, signed),
            },
        }
        (workdir / f"{root}.json.gz").write_bytes(encode(document, compressed=True))
        (workdir / f"{root}.pub").write_text(f"ed25519 {public}\n", encoding="utf-8")
    return len(kept)


# -- the Bộ --------------------------------------------------------------------------------


def package_files(workdir: Path) -> list[Path]:
    return sorted(workdir.glob("SO-*.json.gz"))


def floors(workdir: Path, contents: list[bytes]) -> dict[str, float]:
    """Time to gunzip + parse every package, and to check every signature alone."""
    from survey_server.results.signing import verify

    started = time.perf_counter()
    documents = [json.loads(gzip.decompress(content)) for content in contents]
    parsing = time.perf_counter() - started
    keys = {
        path.name.removesuffix(".pub"): path.read_text().split()[-1]
        for path in workdir.glob("SO-*.pub")
    }
    started = time.perf_counter()
    for document in documents:
        signed = {"format": document["format"], "payload": document["payload"]}
        assert verify(keys[document["payload"]["root"]], signed, document["signature"]["value"])
    signatures = time.perf_counter() - started
    return {"floor_parse": parsing, "floor_signatures": signatures, **decoding(documents)}


def decoding(documents: list[dict[str, Any]]) -> dict[str, float]:
    """Time to read every unit's tally (``Tally.from_json``, replicates inflated and checked),
    one package at a time: the part of verifying that is neither parsing nor signatures."""
    from analysis.tally import Tally, empty_tally
    from survey_server.questionnaires.services import get_form_spec
    from survey_server.scoring.adapter import instrument_of
    from survey_server.scoring.tallies import taxonomy

    async def like() -> Tally:
        spec = await get_form_spec(documents[0]["payload"]["questionnaire"]["content_hash"])
        resamples = documents[0]["payload"]["method"]["resamples"]
        return empty_tally(instrument_of(spec.questionnaire), taxonomy(), resamples).counts_only()

    empty = asyncio.run(like())
    started = time.perf_counter()
    for document in documents:
        [Tally.from_json(unit["tally"], empty) for unit in document["payload"]["units"]]
    return {"tallies": time.perf_counter() - started}


async def bo_database(workdir: Path, fresh: bool) -> None:
    """The Bộ's database: the questionnaire known and every province's key trusted."""
    from survey_server.db.migrate import migrate
    from survey_server.questionnaires.services import load_questionnaires
    from survey_server.results.trust import trust

    await migrate(f"sqlite:///{workdir / 'bo.db'}")
    if fresh:
        await load_questionnaires([ROOT / "questionnaires" / "hai-long-pho-thong.yaml"], "UTC")
        for path in sorted(workdir.glob("SO-*.pub")):
            name = path.name.removesuffix(".pub")
            await trust(f"Sở GD&ĐT {name}", path.read_text(encoding="utf-8"))


def import_child(workdir: Path) -> dict[str, Any]:
    from survey_server.results.merge import import_packages

    asyncio.run(bo_database(workdir, fresh=True))
    asyncio.run(bo_database(workdir, fresh=False))  # the engine bound to this loop too
    contents = [path.read_bytes() for path in package_files(workdir)]
    measured = floors(workdir, contents)
    rss_floors = peak_mb()

    async def work() -> float:
        await bo_database(workdir, fresh=False)
        started = time.perf_counter()
        await import_packages(contents)
        return time.perf_counter() - started

    log(f"import: {len(contents)} packages")
    seconds = asyncio.run(work())
    return {**measured, "import": seconds, "peak_mb": peak_mb(), "floors_mb": rss_floors}


async def reverify() -> float:
    """Time to verify every stored package again, one at a time: what ``rolled_up`` does
    before it assembles."""
    from survey_server.results.merge import verify_package
    from survey_server.results.tables import ImportedPackage

    rows = await ImportedPackage.select(ImportedPackage.body)
    started = time.perf_counter()
    for row in rows:
        await verify_package(bytes(row["body"]))
    return time.perf_counter() - started


def rollup_child(workdir: Path) -> dict[str, Any]:
    from survey_server.results.merge import rolled_up, stored_rollup

    async def work() -> dict[str, Any]:
        await bo_database(workdir, fresh=False)
        started = time.perf_counter()
        kept = await stored_rollup()
        read = time.perf_counter() - started
        assert kept is not None, "the import stores the national roll-up"
        del kept
        base = peak_mb()
        started = time.perf_counter()
        rollup = await rolled_up()
        scored = time.perf_counter() - started
        started = time.perf_counter()
        text = json.dumps(rollup.scores, ensure_ascii=False)
        return {
            "stored": read,
            "rollup": scored,
            "dump": time.perf_counter() - started,
            "groups": len(rollup.scores["groups"]),
            "json_bytes": len(text.encode()),
            "base_mb": base,
            "reverify": await reverify(),
        }

    log("rolled_up")
    return {**asyncio.run(work()), "peak_mb": peak_mb()}


# -- report --------------------------------------------------------------------------------


def child(*args: str) -> dict[str, Any]:
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    sys.stderr.write(output.stderr)
    if output.returncode:
        raise SystemExit(f"child {args} failed")
    result = json.loads(output.stdout.strip().splitlines()[-1])
    log(f"{args[0]}: {time.perf_counter() - started:.1f} s wall")
    return result


def section(results: dict[str, Any], args: argparse.Namespace, command: str) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    export, imported, rollup = results["export"], results["import"], results["rollup"]
    total = imported["import"] + rollup["stored"]
    floor = imported["floor_parse"] + imported["floor_signatures"]
    target = "met" if total <= 30 else f"NOT met: {total - 30:.1f} s over"
    merged = results["merged_units"]
    national = args.provinces * merged
    copies = (
        f"copied {args.provinces} times"
        if merged == export["units_shown"]
        else f"copied {args.provinces} times, each keeping its first {args.merged_schools:,} "
        f"schools and their communes ({merged:,} units)"
    )
    lines = [
        "<!-- section:federation -->",
        "## Federation: province packages merged into national scores",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"commit {commit}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite; "
        f"load average {results['load'][0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
        "end.",
        "",
        f"One province built through the product path: one Sở, {COMMUNES} communes, "
        f"{args.units:,} schools, {args.per_unit} responses per school of the phổ thông "
        f"questionnaire ({export['responses']:,} stored responses, bulk-loaded untimed), "
        f"published, then exported by `results.package.build_package` "
        f"({export['units_shown']:,} shown units, 1,000 bootstrap replicates per unit). Its "
        f"package {copies}, with renamed unit codes and each signed with its own key: "
        f"{args.provinces} provinces, {national:,} units nationally. The Bộ imports them into a "
        "fresh database that trusts the keys, then computes the national scores. The copies "
        "carry the same tallies: sizes and costs depend on the number of units, not on the "
        "values.",
        "",
        "| step (each in its own process) | time | peak memory |",
        "|---|---:|---:|",
        f"| `publish`: first release of every response of one province | "
        f"{export['publish']:.2f} s | |",
        f"| `build_package`, first (tallies every release) | "
        f"{export['export_first']:.2f} s | {export['peak_mb']:,.0f} MB |",
        f"| `build_package` again (nothing new) | {export['export_again']:.2f} s | |",
        f"| `encode` (JSON + gzip) | {export['encode']:.2f} s | |",
        f"| floor: gunzip + `json.loads` of {args.provinces} packages | "
        f"{imported['floor_parse']:.2f} s | {imported['floors_mb']:,.0f} MB |",
        f"| floor: {args.provinces} signature checks (canonical JSON + Ed25519) | "
        f"{imported['floor_signatures']:.2f} s | |",
        f"| `Tally.from_json` of every unit (replicates inflated and checked) | "
        f"{imported['tallies']:.2f} s | |",
        f"| **`import_packages`** ({args.provinces} packages: verify, store, then the national "
        f"roll-up assembled and stored) | **{imported['import']:.2f} s** | "
        f"{imported['peak_mb']:,.0f} MB |",
        f"| **`stored_rollup`**: the national scores as every page reads them | "
        f"**{rollup['stored']:.2f} s** | |",
        f"| import + national scores | **{total:.2f} s** | |",
        f"| `rolled_up`: every stored package read and verified again + `assemble` "
        f"({rollup['groups']:,} groups), what `results scores` does when the stored roll-up "
        f"is stale | {rollup['rollup']:.2f} s | {rollup['peak_mb']:,.0f} MB |",
        f"| of which: every stored package verified again (measured apart) | "
        f"{rollup['reverify']:.2f} s | |",
        f"| of which: the rest (reading the rows, `assemble`) | "
        f"{rollup['rollup'] - rollup['reverify']:.2f} s | |",
        f"| scores JSON dump ({rollup['json_bytes'] / 1e6:.1f} MB) | {rollup['dump']:.2f} s | |",
        f"| ratio import / floors | {imported['import'] / floor:.1f} | |",
        f"| ratio `rolled_up` / floors | {rollup['rollup'] / floor:.1f} | |",
        "",
        f"- Package of one province: {export['bytes_gz'] / 1e6:.2f} MB gzip "
        f"({export['bytes_json'] / 1e6:.2f} MB JSON), "
        f"{export['bytes_gz'] / export['units_shown'] / 1e3:.1f} kB per unit.",
        f"- Per unit merged: `import_packages` {imported['import'] / national * 1e3:.1f} ms, "
        f"`rolled_up` {rollup['rollup'] / rollup['groups'] * 1e3:.1f} ms and "
        f"{(rollup['peak_mb'] - rollup['base_mb']) / national:.2f} MB of memory (peak over the "
        f"{rollup['base_mb']:,.0f} MB held before it); at the same rates, "
        f"{args.provinces} provinces of {export['units_shown']:,} units each "
        f"({args.provinces * export['units_shown']:,} units) would take about "
        f"{imported['import'] / national * args.provinces * export['units_shown']:,.0f} s and "
        f"{(rollup['peak_mb'] - rollup['base_mb']) / national * args.provinces * export['units_shown'] / 1024:,.1f} GB "
        "(linear extrapolation, not measured).",
        f"- Target ≤ 30 s for {args.provinces} packages merged into national scores "
        f"(import, which stores the national roll-up, + reading it): {target} ({total:.2f} s).",
        "<!-- /section -->",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--units", type=int, default=1500, help="schools per province")
    parser.add_argument("--per-unit", type=int, default=40, help="responses per school")
    parser.add_argument(
        "--merged-schools",
        type=int,
        help="schools kept in each province's copy (default: all); the national merge then "
        "holds fewer units than the exported province",
    )
    parser.add_argument("--no-doc", action="store_true", help="print the section only")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, workdir = args.child[0], Path(args.child[1])
        if kind == "export":
            result = export_child(workdir, args.units, args.per_unit)
        elif kind == "import":
            result = import_child(workdir)
        else:
            result = rollup_child(workdir)
        print(json.dumps(result))
        return
    sizes = ["--units", str(args.units), "--per-unit", str(args.per_unit)]
    with tempfile.TemporaryDirectory() as scratch:
        log(f"export: {args.units} schools × {args.per_unit} responses")
        results: dict[str, Any] = {"load": os.getloadavg()}
        results["export"] = child("export", scratch, *sizes)
        log(f"signing {args.provinces} provinces")
        results["merged_units"] = provinces(Path(scratch), args.provinces, args.merged_schools)
        results["import"] = child("import", scratch)
        results["rollup"] = child("rollup", scratch)
    command = (
        f".venv/bin/python bench/federation.py --provinces {args.provinces} "
        f"--units {args.units} --per-unit {args.per_unit}"
    )
    if args.merged_schools is not None:
        command += f" --merged-schools {args.merged_schools}"
    text = section(results, args, command)
    print(text)
    if not args.no_doc:
        put_section("federation", text)


if __name__ == "__main__":
    main()
