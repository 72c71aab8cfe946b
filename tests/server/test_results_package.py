"""Signed results packages: a province's shown units travel as counts, signed; the Bộ trusts
its key, imports, and gets the province's own numbers back — or national numbers from several
provinces' pooled tallies — and refuses anything tampered, unknown, inconsistent or under k,
storing nothing (both engines)."""

from __future__ import annotations

import asyncio
import base64
import copy
import gzip
import json
import os
import random
import stat
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analysis.bootstrap import RESAMPLES
from analysis.scores import Groups, assemble
from analysis.tally import empty_tally
from survey_server.campaigns.services import CampaignSpec, get_campaign, set_status
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.demo.synthetic import add_synthetic_responses
from survey_server.distribution.services import open_campaign
from survey_server.responses.tables import Submission
from survey_server.results import merge
from survey_server.results.merge import PackageRefused, import_packages, rolled_up
from survey_server.results.package import FORMAT, RootWithheld, build_package, encode
from survey_server.results.signing import (
    KEY_FILE,
    fingerprint,
    public_text,
    sign,
    signing_key,
)
from survey_server.results.tables import ImportedPackage
from survey_server.results.trust import trust
from survey_server.scoring import services, tallies
from survey_server.scoring.adapter import instrument_of
from survey_server.scoring.services import assemble_campaign, load_answers
from survey_server.timekeeping import today
from survey_server.units.services import get_unit
from tests.conftest import ROOT, Database
from tests.live import BIN
from tests.releases import close_and_publish

CAMPAIGN = "HL-PT-2026"
#: What needs microdata (comment samples, answer vectors), which never travels.
MICRODATA = ("themes",)


@pytest.fixture
async def demo(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings, responses=700)
    await close_and_publish(CAMPAIGN)
    return settings


async def trusted(data_dir: Path, name: str) -> str:
    """Trust the key of the installation in ``data_dir`` (made on first use)."""
    return await trust(name, "ed25519 " + public_text(signing_key(data_dir).public_key()))


def plain(scores: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(scores))


def comparable(body: dict[str, Any], *, tree: bool) -> dict[str, Any]:
    """A group's numbers without what needs microdata; without its place in the tree
    (``parent``, ``comparison`` with its siblings) when ``tree`` is false."""
    out = {key: value for key, value in body.items() if key not in MICRODATA}
    out["quality"] = {key: v for key, v in body["quality"].items() if key != "patterns"}
    if not tree:
        out.pop("parent", None)
        out.pop("comparison", None)
    return out


def resigned(package: dict[str, Any], data_dir: Path) -> bytes:
    """``package`` signed again, after a hand edit, with the key of ``data_dir``."""
    signed = {"format": package["format"], "payload": package["payload"]}
    package["signature"]["value"] = sign(signing_key(data_dir), signed)
    return encode(package, compressed=False)


async def test_a_province_imported_alone_gives_its_own_scores(demo: Settings) -> None:
    package = await build_package(CAMPAIGN, demo.data_dir)
    await trusted(demo.data_dir, "Sở GD&ĐT Hải Phòng")
    imported = await import_packages([encode(package, compressed=True)])
    assert [p.campaign for p in imported] == [CAMPAIGN]

    own = plain((await assemble_campaign(await get_campaign(CAMPAIGN)))[0].json)
    merged = plain((await rolled_up()).scores)
    root = package["payload"]["root"]
    shown = {code for code, body in own["groups"].items() if not body["suppressed"]}
    units = package["payload"]["units"]
    assert {unit["code"] for unit in units} == shown
    assert sum(unit["tally"]["n"] for unit in units) == own["n"] == merged["n"]

    # the tree a package keeps: each shown unit under its nearest shown ancestor
    parent_of = {unit["code"]: unit["parent"] for unit in units}
    original_parent = {code: body.get("parent") for code, body in own["groups"].items()}
    kids: dict[str | None, set[str]] = {}
    for code in shown:
        kids.setdefault(original_parent[code], set()).add(code)
    for unit in units:
        code = unit["code"]
        key = root if unit["parent"] is None else f"{root}/{code}"
        parent = original_parent[code]
        # the same place, and the same siblings, as at home: the same comparison too
        same_place = parent_of[code] == parent and (
            parent is None
            or {c for c, p in parent_of.items() if p == parent} == kids.get(parent, set())
        )
        body = dict(merged["groups"][key])
        if body.get("parent"):
            body["parent"] = body["parent"].removeprefix(f"{root}/")
        assert comparable(body, tree=same_place) == comparable(
            own["groups"][code], tree=same_place
        ), code
    top = {key: value for key, value in own.items() if key != "groups"}
    assert comparable({k: v for k, v in merged.items() if k != "groups"}, tree=True) == (
        comparable(top, tree=True)
    )


async def second_province(settings: Settings) -> str:
    """Another installation's campaign of the same questionnaire, on one commune."""
    day = today(settings.timezone)
    code = "HL-NQ-2026"
    spec = CampaignSpec(
        code=code,
        title={"vi": "Khảo sát phường Ngô Quyền", "en": "Ngo Quyen survey"},
        questionnaire_slug="hai-long-pho-thong",
        root_unit_code="XA-NGOQUYEN",
        opens_on=day - timedelta(days=7),
        closes_on=day + timedelta(days=30),
        k=settings.default_k,
    )
    await open_campaign(spec, settings.timezone, ("qr_meeting", "zalo"))
    await add_synthetic_responses(settings, 300, random.Random(7), campaign=code)
    await close_and_publish(code)
    return code


async def test_packages_of_two_installations_merge_into_national_scores(
    demo: Settings, tmp_path: Path
) -> None:
    other = await second_province(demo)
    other_dir = tmp_path / "so-khac"
    first = await build_package(CAMPAIGN, demo.data_dir)
    second = await build_package(other, other_dir)
    assert first["signature"]["key"] != second["signature"]["key"]
    await trusted(demo.data_dir, "Sở A")
    await trusted(other_dir, "Sở B")
    await import_packages([encode(first, compressed=True)])
    await import_packages([encode(second, compressed=False)])

    rollup = await rolled_up()
    merged = plain(rollup.scores)
    # the roll-up the second import stored, from its own package as verified and the first
    # as read back, is the one assembled from every stored package verified again
    stored = await merge.stored_rollup()
    assert stored is not None and plain(stored.scores) == merged
    assert stored.packages == rollup.packages
    roots = [(CAMPAIGN, "SO-HP"), (other, "XA-NGOQUYEN")]
    provinces = [plain((await assemble_campaign(await get_campaign(c)))[0].json) for c, _ in roots]
    assert merged["n"] == sum(p["n"] for p in provinces)
    for province, (_, root) in zip(provinces, roots, strict=True):
        assert merged["groups"][root]["n"] == province["n"]
        assert merged["groups"][root]["overall"]["index"] == province["overall"]["index"]
    # one tree: each package's root under the national root, its units under it by ROOT/CODE
    assert set(merged["groups"]) == {
        root if unit["parent"] is None else f"{root}/{unit['code']}"
        for package in (first, second)
        for root in [package["payload"]["root"]]
        for unit in package["payload"]["units"]
    }
    assert not [g for g in merged["groups"].values() if g["suppressed"]]

    # the national indices are those of the two provinces' responses pooled
    pooled = None
    for code, _ in roots:
        campaign = await get_campaign(code)
        for tally in (await tallies.load(campaign["id"])).values():
            pooled = tally.counts_only() if pooled is None else pooled + tally.counts_only()
    spec = await services.campaign_form(await get_campaign(CAMPAIGN))
    instrument = instrument_of(spec.questionnaire)
    empty = empty_tally(instrument, tallies.taxonomy(), RESAMPLES)
    reference = assemble(
        instrument,
        [pooled, empty],
        Groups(("all",), (-1,), np.zeros(0, dtype=np.intp)),
        k=10,
    ).json["groups"]["all"]
    assert merged["n"] == reference["n"]
    assert merged["overall"]["index"] == reference["overall"]["index"]
    assert merged["overall"]["ci"] == reference["overall"]["ci"]
    assert merged["dimensions"] == reference["dimensions"]


async def test_attacks_are_refused_and_nothing_is_stored(
    demo: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = await build_package(CAMPAIGN, demo.data_dir)
    text = encode(package, compressed=False)

    # the key stays at home, readable by its owner only, and never travels
    key_file = demo.data_dir / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    pem = key_file.read_text()
    secret = "".join(line for line in pem.splitlines() if "PRIVATE KEY" not in line)
    assert secret and secret.encode() not in text
    assert b"PRIVATE" not in text

    # no response, comment or receipt travels
    campaign = await get_campaign(CAMPAIGN)
    answers = await load_answers(campaign, await get_unit(campaign["root_unit_code"]))
    comments = [c for c in answers.comments if c and len(c) >= 12]
    assert comments
    decoded = text.decode()
    assert not [c for c in comments if c in decoded or json.dumps(c)[1:-1] in decoded]
    receipts = [row["receipt"] for row in await Submission.select(Submission.receipt)]
    assert receipts and not [r for r in receipts if r in decoded]

    async def refused(content: bytes) -> str:
        with pytest.raises(PackageRefused) as caught:
            await import_packages([content])
        assert await ImportedPackage.count() == 0
        return caught.value.text("vi")

    # an unknown key, then the same package once its key is trusted but a byte changed
    assert "chưa có trong danh sách khóa tin cậy" in await refused(text)
    await trusted(demo.data_dir, "Sở GD&ĐT Hải Phòng")
    at = text.index(b'"responses":') + len(b'"responses":')
    tampered = text[:at] + bytes([text[at] ^ 0x01]) + text[at + 1 :]
    assert "chữ ký không khớp" in await refused(tampered)

    # a unit under k, hand-made and signed again with the trusted key
    edited = copy.deepcopy(package)
    small = copy.deepcopy(edited["payload"]["units"][-1])
    small.update(code="TH-NHO", name="Trường nhỏ", parent=edited["payload"]["root"])
    small["tally"]["n"] = 3
    edited["payload"]["units"].append(small)
    assert "dưới ngưỡng k" in await refused(resigned(edited, demo.data_dir))

    # a truncated, a garbage and an oversized file
    assert "không đọc được" in await refused(gzip.compress(text)[:5000])
    assert "không đọc được" in await refused(b"\x00garbage{")
    monkeypatch.setattr(merge, "MAX_BYTES", 1000)
    assert "lớn hơn" in await refused(text)
    monkeypatch.undo()

    # good packages imported with a bad one: none is stored
    with pytest.raises(PackageRefused) as caught:
        await import_packages([text, tampered])
    assert caught.value.params["position"] == 1 and await ImportedPackage.count() == 0

    # once imported, the same campaign again is refused unless newer
    await import_packages([text])
    assert "không mới hơn" in (await _refusal(text))
    assert await ImportedPackage.count() == 1

    # a package of another questionnaire, from another trusted installation
    other_dir = tmp_path / "so-khac"
    await trusted(other_dir, "Sở khác")
    with pytest.raises(RootWithheld) as withheld:  # nothing published yet: nothing to send
        await build_package("HL-MN-2026", other_dir)
    assert "chưa thể xuất gói kết quả" in withheld.value.text("vi")
    await close_and_publish("HL-MN-2026")
    other = await build_package("HL-MN-2026", other_dir)
    assert "bộ câu hỏi" in await _refusal(encode(other, compressed=True))
    assert await ImportedPackage.count() == 1

    # a newer package of the campaign replaces the older one
    await add_synthetic_responses(demo, 200, random.Random(5), campaign=CAMPAIGN)
    await services.publish(await get_campaign(CAMPAIGN))
    newer = await build_package(CAMPAIGN, demo.data_dir)
    assert newer["payload"]["revision"] > package["payload"]["revision"]
    await import_packages([encode(newer, compressed=True)])
    rows = await ImportedPackage.select(ImportedPackage.revision)
    assert [row["revision"] for row in rows] == [newer["payload"]["revision"]]


async def _refusal(content: bytes) -> str:
    with pytest.raises(PackageRefused) as caught:
        await import_packages([content])
    return caught.value.text("vi")


async def test_the_command_refuses_a_bad_file_with_a_message(
    demo: Settings, db: Database, tmp_path: Path
) -> None:
    package = await build_package(CAMPAIGN, demo.data_dir)
    await trusted(demo.data_dir, "Sở GD&ĐT Hải Phòng")
    good, truncated = tmp_path / "tinh.json.gz", tmp_path / "cat-cut.json.gz"
    good.write_bytes(encode(package, compressed=True))
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    env = {
        "DATABASE_URL": db.url,
        "DATA_DIR": str(demo.data_dir),
        "PATH": os.environ["PATH"],
        "DEFAULT_LANG": "vi",
    }

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN), "results", *args], capture_output=True, text=True, env=env, timeout=120
        )

    result = command("import", str(good), str(truncated))
    assert result.returncode == 1
    assert f"{truncated}: tệp không đọc được" in result.stderr
    assert "Không gói nào được nhập." in result.stderr and "Traceback" not in result.stderr
    assert await ImportedPackage.count() == 0

    result = command("import", str(good))
    assert result.returncode == 0, result.stderr
    result = command("scores", "--json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["n"] == sum(unit["tally"]["n"] for unit in package["payload"]["units"])
    assert scores["packages"][0]["campaign"] == CAMPAIGN
    result = command("scores")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("# Chỉ số hài lòng tổng hợp") and "| SO-HP |" not in text
    assert "(SO-HP)" in text and "Chỉ số hài lòng tổng hợp:" in text


def validate(instance: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$") -> None:
    """The part of JSON Schema the package schema uses: $ref, type, const, required,
    properties, items, minimum (``jsonschema`` is not a dependency)."""
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    types = schema.get("type")
    if types is not None:
        allowed = types if isinstance(types, list) else [types]
        python = {
            "object": dict,
            "array": list,
            "string": str,
            "integer": int,
            "boolean": bool,
            "null": type(None),
        }
        assert any(
            isinstance(instance, python[t]) and not (t == "integer" and isinstance(instance, bool))
            for t in allowed
        ), f"{at}: expected {types}"
    if "const" in schema:
        assert instance == schema["const"], at
    if isinstance(instance, int) and "minimum" in schema:
        assert instance >= schema["minimum"], at
    if isinstance(instance, dict):
        for name in schema.get("required", []):
            assert name in instance, f"{at}: missing {name}"
        for name, sub in schema.get("properties", {}).items():
            if name in instance:
                validate(instance[name], sub, root, f"{at}.{name}")
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            validate(item, schema["items"], root, f"{at}[{i}]")


async def test_the_schema_describes_real_packages(demo: Settings) -> None:
    schema = json.loads((ROOT / "docs" / "results-package.schema.json").read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    package = json.loads(encode(await build_package(CAMPAIGN, demo.data_dir), compressed=False))
    assert package["format"] == FORMAT
    validate(package, schema, schema)
    key = base64.b64decode(public_text(signing_key(demo.data_dir).public_key()))
    assert len(key) == 32 and package["signature"]["key"] == fingerprint(
        base64.b64encode(key).decode()
    )
    for path in (("signature",), ("payload", "k"), ("payload", "units", 0, "tally")):
        broken = copy.deepcopy(package)
        holder = broken
        for step in path[:-1]:
            holder = holder[step]
        del holder[path[-1]]
        with pytest.raises(AssertionError, match="missing"):
            validate(broken, schema, schema)


async def test_two_imports_at_once_store_the_province_once(demo: Settings) -> None:
    """Each import checks what is stored and writes under one lock: the second finds the
    first's package and is refused, instead of both adding the same province."""
    await trusted(demo.data_dir, "Sở GD&ĐT Hải Phòng")
    content = encode(await build_package(CAMPAIGN, demo.data_dir), compressed=True)
    outcomes = await asyncio.gather(
        *(import_packages([content]) for _ in range(3)), return_exceptions=True
    )
    assert sum(not isinstance(outcome, BaseException) for outcome in outcomes) == 1
    assert all(isinstance(o, PackageRefused) for o in outcomes if isinstance(o, BaseException))
    assert await ImportedPackage.count() == 1


async def test_export_makes_the_due_releases_first(settings: Settings, db: Database) -> None:
    """A campaign nobody has viewed since it closed is exported with every release due."""
    await prepare_demo(settings, responses=700)
    await set_status(CAMPAIGN, "closed")  # closed, nothing published since
    package = await build_package(CAMPAIGN, settings.data_dir)
    published = await Submission.count().where(Submission.released_in.is_not_null())
    units = package["payload"]["units"]
    assert sum(unit["tally"]["responses"] for unit in units) == published > 0
