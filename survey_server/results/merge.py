"""Importing results packages and rolling them up (docs/RESULTS-PACKAGE.md).

A package is stored only once everything about it has been checked: its size and format, a
signature by a trusted key over exactly what it says, its structure and every tally's shape,
that no unit in it shows fewer than k responses, and that it agrees with every package already
stored — the same questionnaire content, the same k, the same method — since tallies of
different questionnaires or bootstraps cannot be added. A campaign already imported from the
same key is replaced only by a newer package. Files imported together are stored together or
not at all.

The national (or provincial) scores are then assembled from the stored tallies alone: this
installation is the root, each package's root unit a child of it, each package's units below
as they were shown at home. Group keys are ``ROOT/UNIT`` (a package's root by its own code):
unit codes are only unique within an installation.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from piccolo.engine.postgres import PostgresEngine

from analysis.quality import QualityPolicy
from analysis.scores import Groups, assemble
from analysis.suppression import K_FLOOR
from analysis.tally import Tally, empty_tally
from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_, gettext
from survey_server.questionnaires.schema import Questionnaire
from survey_server.questionnaires.services import get_form_spec
from survey_server.results.package import FORMAT, UnitNode, unit_problems
from survey_server.results.signing import ALGORITHM, canonical, verify
from survey_server.results.tables import ImportedPackage, StoredRollup
from survey_server.results.trust import trusted_keys
from survey_server.scoring.adapter import instrument_of
from survey_server.scoring.tallies import taxonomy
from survey_server.units.services import CODE_PATTERN

#: The largest package read (after decompression): a province of ten thousand shown units.
MAX_BYTES = 512 * 1024 * 1024

UNREADABLE = N_(
    "tệp không đọc được: không phải gói kết quả Lắng nghe (JSON, có thể nén gzip) "
    "hoặc đã bị cắt cụt."
)
TOO_LARGE = N_("tệp lớn hơn {limit} MB, không phải một gói kết quả.")
OTHER_FORMAT = N_("định dạng '{found}' không được hỗ trợ (cần {expected}).")
UNKNOWN_KEY = N_(
    "gói được ký bằng khóa {key}, chưa có trong danh sách khóa tin cậy (xem lệnh 'results trust')."
)
BAD_SIGNATURE = N_("chữ ký không khớp nội dung: gói đã bị sửa sau khi ký hoặc bị hỏng khi chuyển.")
INVALID = N_("nội dung không hợp lệ ở trường {field}.")
UNDER_K = N_("đơn vị {unit} có {n} ý kiến, dưới ngưỡng k = {k}: gói không được chứa nhóm nhỏ.")
UNKNOWN_QUESTIONNAIRE = N_(
    "bộ câu hỏi {slug} phiên bản {version} (mã nội dung {hash}) chưa có trên hệ thống này."
)
OTHER_QUESTIONNAIRE = N_(
    "gói dùng bộ câu hỏi có mã nội dung {found}, khác các gói đã nhập ({expected})."
)
OTHER_K = N_("gói dùng ngưỡng k = {found}, các gói đã nhập dùng k = {expected}.")
OTHER_METHOD = N_("gói tính theo phương pháp khác các gói đã nhập: {found} thay vì {expected}.")
NOT_NEWER = N_(
    "đợt {campaign} từ khóa này đã được nhập ở phiên bản {stored}; gói này "
    "(phiên bản {found}) không mới hơn."
)
ROOT_TAKEN = N_("đã có gói kết quả khác cho đơn vị {unit} (đợt {campaign}).")


class PackageRefused(AppError):
    """A package that is not stored, and why (one of the reasons above)."""

    status_code = 422
    code = "results_package_refused"

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(**params)
        self.reason = reason

    def text(self, lang: str) -> str:
        return gettext(self.reason, lang, **self.params)


class NoPackages(AppError):
    status_code = 404
    code = "results_none"
    message = N_("Chưa nhập gói kết quả nào (xem lệnh 'results import').")


@dataclass(frozen=True)
class Verified:
    """A package whose signature, structure and counts were checked."""

    key_name: str
    fingerprint: str
    payload: dict[str, Any]
    questionnaire: Questionnaire
    tallies: list[Tally]  # in the order of ``payload["units"]``
    body: bytes  # the package as received, gzip-compressed

    @property
    def campaign(self) -> str:
        return self.payload["campaign"]["code"]

    @property
    def method(self) -> str:
        return canonical(self.payload["method"]).decode()


def read_package(content: bytes) -> dict[str, Any]:
    """The JSON of a package file (gzip or not), refused when unreadable or too large."""
    limit = MAX_BYTES // 2**20
    if len(content) > MAX_BYTES:
        raise PackageRefused(TOO_LARGE, limit=limit)
    if content[:2] == b"\x1f\x8b":
        try:
            inflater = zlib.decompressobj(wbits=31)
            content = inflater.decompress(content, MAX_BYTES + 1)
        except zlib.error:
            raise PackageRefused(UNREADABLE) from None
        if len(content) > MAX_BYTES:
            raise PackageRefused(TOO_LARGE, limit=limit)
        if not inflater.eof:
            raise PackageRefused(UNREADABLE)
    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PackageRefused(UNREADABLE) from None
    if not isinstance(document, dict):
        raise PackageRefused(UNREADABLE)
    return document


async def verify_package(content: bytes) -> Verified:
    """A package checked in full against the trusted keys, or :class:`PackageRefused`."""
    document = read_package(content)
    if document.get("format") != FORMAT:
        raise PackageRefused(OTHER_FORMAT, found=str(document.get("format"))[:40], expected=FORMAT)
    signature = document.get("signature")
    if not isinstance(signature, dict) or signature.get("algorithm") != ALGORITHM:
        raise PackageRefused(INVALID, field="signature")
    key = (await trusted_keys()).get(str(signature.get("key")))
    if key is None:
        raise PackageRefused(UNKNOWN_KEY, key=str(signature.get("key"))[:64])
    signed = {"format": document["format"], "payload": document.get("payload")}
    if set(document) != {"format", "payload", "signature"} or not verify(
        key["public_key"], signed, str(signature.get("value"))
    ):
        raise PackageRefused(BAD_SIGNATURE)
    payload = _checked_payload(document["payload"])
    questionnaire = await _questionnaire(payload["questionnaire"])
    like = empty_tally(
        instrument_of(questionnaire), taxonomy(), payload["method"]["resamples"]
    ).counts_only()
    tallies = []
    for number, unit in enumerate(payload["units"]):
        try:
            tallies.append(Tally.from_json(unit["tally"], like))
        except ValueError as error:
            field = f"units[{number}].tally.{str(error).split(':')[0]}"
            raise PackageRefused(INVALID, field=field) from None
    nodes = [
        UnitNode(unit["code"], unit["parent"], tally)
        for unit, tally in zip(payload["units"], tallies, strict=True)
    ]
    problem = unit_problems(nodes, payload["k"])
    if problem is not None:
        raise PackageRefused(UNDER_K, unit=problem[0], n=problem[1], k=payload["k"])
    if content[:2] != b"\x1f\x8b":
        content = gzip.compress(content, mtime=0)
    return Verified(key["name"], key["fingerprint"], payload, questionnaire, tallies, content)


def _checked_payload(payload: Any) -> dict[str, Any]:
    """The payload when its structure is what ``docs/results-package.schema.json`` says and
    its units form one tree, parents first; else the first field that is not."""

    def need(ok: bool, field: str) -> None:
        if not ok:
            raise PackageRefused(INVALID, field=field)

    def whole(value: Any, low: int = 0) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= low

    def text(value: Any) -> bool:
        return isinstance(value, str) and 0 < len(value) <= 255

    need(isinstance(payload, dict), "payload")
    campaign, method = payload.get("campaign"), payload.get("method")
    need(isinstance(campaign, dict) and text(campaign.get("code")), "campaign.code")
    need(isinstance(campaign.get("title"), dict), "campaign.title")
    for day in ("opens_on", "closes_on"):
        need(isinstance(campaign.get(day), str) and len(campaign[day]) == 10, f"campaign.{day}")
    need(whole(payload.get("revision")), "revision")
    need(whole(payload.get("k"), K_FLOOR), "k")
    need(isinstance(method, dict), "method")
    need(whole(method.get("resamples"), 1), "method.resamples")
    need(whole(method.get("seed")), "method.seed")
    need(text(method.get("intervals")), "method.intervals")
    flags = method.get("exclude_flagged")
    need(isinstance(flags, list) and all(text(f) for f in flags), "method.exclude_flagged")
    questionnaire = payload.get("questionnaire")
    need(isinstance(questionnaire, dict), "questionnaire")
    for name in ("slug", "content_hash"):
        need(text(questionnaire.get(name)), f"questionnaire.{name}")
    need(whole(questionnaire.get("version"), 1), "questionnaire.version")
    units = payload.get("units")
    need(isinstance(units, list) and len(units) > 0, "units")
    seen: set[str] = set()
    for number, unit in enumerate(units):
        field = f"units[{number}]"
        need(isinstance(unit, dict), field)
        code = unit.get("code")
        need(isinstance(code, str) and bool(CODE_PATTERN.match(code)), f"{field}.code")
        need(code not in seen, f"{field}.code")
        need(text(unit.get("name")) and text(unit.get("kind")), f"{field}.name")
        parent = unit.get("parent")
        root = number == 0 and parent is None and code == payload.get("root")
        need(root or parent in seen, f"{field}.parent")
        expected = unit.get("expected")
        need(expected is None or whole(expected), f"{field}.expected")
        need(isinstance(unit.get("tally"), dict), f"{field}.tally")
        seen.add(code)
    return payload


async def _questionnaire(wanted: dict[str, Any]) -> Questionnaire:
    try:
        return (await get_form_spec(wanted["content_hash"])).questionnaire
    except NotFound:
        raise PackageRefused(
            UNKNOWN_QUESTIONNAIRE,
            slug=wanted["slug"],
            version=wanted["version"],
            hash=wanted["content_hash"][:16],
        ) from None


async def import_packages(contents: list[bytes]) -> list[Verified]:
    """Verify every package, then store them all in one transaction (newer ones replacing
    the campaign's older package from the same key); nothing is stored when one is refused.
    A refusal names the package by its position (``PackageRefused.params["position"]``)."""
    verified: list[Verified] = []
    for position, content in enumerate(contents):
        try:
            verified.append(await verify_package(content))
        except PackageRefused as error:
            error.params["position"] = position
            raise
    engine = ImportedPackage._meta.db
    async with engine.transaction():
        # checked and written under one lock, so two imports at once cannot both add the same
        # province (SQLite's write transactions are serialised already)
        if isinstance(engine, PostgresEngine):
            await ImportedPackage.raw("LOCK TABLE results_package IN EXCLUSIVE MODE")
        replaced = await _replaced(verified)
        if replaced:
            await ImportedPackage.delete().where(ImportedPackage.id.is_in(replaced))
        await ImportedPackage.insert(
            *(
                ImportedPackage(
                    fingerprint=package.fingerprint,
                    campaign=package.campaign,
                    root=package.payload["root"],
                    revision=package.payload["revision"],
                    content_hash=package.payload["questionnaire"]["content_hash"],
                    k=package.payload["k"],
                    method=package.method,
                    body=package.body,
                )
                for package in verified
            )
        )
    await current_rollup(verified)
    return verified


async def _replaced(verified: list[Verified]) -> list[int]:
    """The stored packages the verified ones replace; refused when one does not agree with
    what is stored or with another of them (``PackageRefused`` names its position)."""
    stored = await ImportedPackage.select(
        ImportedPackage.id,
        ImportedPackage.fingerprint,
        ImportedPackage.campaign,
        ImportedPackage.root,
        ImportedPackage.revision,
        ImportedPackage.content_hash,
        ImportedPackage.k,
        ImportedPackage.method,
    )
    replaced: list[int] = []
    for position, package in enumerate(verified):
        try:
            replaced += _agreeing(package, stored)
        except PackageRefused as error:
            error.params["position"] = position
            raise
        stored.append(
            {
                "id": None,
                "fingerprint": package.fingerprint,
                "campaign": package.campaign,
                "root": package.payload["root"],
                "revision": package.payload["revision"],
                "content_hash": package.payload["questionnaire"]["content_hash"],
                "k": package.payload["k"],
                "method": package.method,
            }
        )
    return replaced


def _agreeing(package: Verified, stored: list[dict[str, Any]]) -> list[int]:
    """The ids of the stored packages ``package`` replaces, once it agrees with the others."""
    replaced = []
    for row in stored:
        same = row["fingerprint"] == package.fingerprint and row["campaign"] == package.campaign
        if same:
            if row["revision"] >= package.payload["revision"] or row["id"] is None:
                raise PackageRefused(
                    NOT_NEWER,
                    campaign=package.campaign,
                    stored=row["revision"],
                    found=package.payload["revision"],
                )
            replaced.append(row["id"])
            continue
        content_hash = package.payload["questionnaire"]["content_hash"]
        if row["content_hash"] != content_hash:
            raise PackageRefused(
                OTHER_QUESTIONNAIRE, found=content_hash[:16], expected=row["content_hash"][:16]
            )
        if row["k"] != package.payload["k"]:
            raise PackageRefused(OTHER_K, found=package.payload["k"], expected=row["k"])
        if row["method"] != package.method:
            raise PackageRefused(OTHER_METHOD, found=package.method, expected=row["method"])
        if row["root"] == package.payload["root"]:
            raise PackageRefused(ROOT_TAKEN, unit=row["root"], campaign=row["campaign"])
    return replaced


@dataclass(frozen=True)
class Rollup:
    """The scores of every stored package together, and what they were made from."""

    scores: dict[str, Any]  # the scores JSON (docs/scoring.md), groups keyed ``ROOT/UNIT``
    packages: list[dict[str, Any]]  # campaign, title, dates, root, key name, revision, n
    units: dict[str, dict[str, str]]  # group key → name and kind, as the package gave them
    content_hash: str  # the questionnaire version every package answers

    def to_json(self) -> dict[str, Any]:
        return {
            "scores": self.scores,
            "packages": self.packages,
            "units": self.units,
            "content_hash": self.content_hash,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rollup:
        return cls(data["scores"], data["packages"], data["units"], data["content_hash"])


async def current_rollup(just_verified: Sequence[Verified] = ()) -> Rollup:
    """The roll-up of the packages stored now: read back when it was stored for exactly these
    packages, else assembled and stored (an import makes it at once, so a page never waits
    for a national assembly after one). Packages of ``just_verified`` that are stored are
    taken as they are instead of being read and verified again (an import's own)."""
    rows, digest = await _package_set()
    stored = await stored_rollup(digest)
    if stored is not None:
        return stored
    known = {(p.fingerprint, p.campaign, p.payload["revision"]): p for p in just_verified}
    packages: list[Verified] = []
    unread: list[int] = []
    for row in rows:
        package = known.get(_identity(row))
        if package is None:
            unread.append(row["id"])
        else:
            packages.append(package)
    if unread:
        bodies = await ImportedPackage.select(ImportedPackage.body).where(
            ImportedPackage.id.is_in(unread)
        )
        packages += [await verify_package(bytes(row["body"])) for row in bodies]
    rollup = _assembled(packages)
    body = gzip.compress(canonical(rollup.to_json()), compresslevel=6, mtime=0)
    async with StoredRollup._meta.db.transaction():
        await StoredRollup.delete(force=True)
        await StoredRollup.insert(StoredRollup(digest=digest, body=body))
    return rollup


async def _package_set() -> tuple[list[dict[str, Any]], str]:
    """The stored packages (ids) and the digest that names them: a package is only ever
    replaced by a newer revision signed by the same key, so these name their contents without
    reading them."""
    names = ImportedPackage.id, ImportedPackage.fingerprint, ImportedPackage.revision
    rows = await ImportedPackage.select(*names, ImportedPackage.campaign)
    if not rows:
        raise NoPackages
    digest = hashlib.sha256(
        canonical(sorted([r["id"], r["fingerprint"], r["campaign"], r["revision"]] for r in rows))
    ).hexdigest()
    return rows, digest


def _identity(row: dict[str, Any]) -> tuple[str, str, int]:
    """What names a stored package: a key signs one revision of a campaign once."""
    return row["fingerprint"], row["campaign"], row["revision"]


async def stored_rollup(digest: str | None = None) -> Rollup | None:
    """The roll-up stored for the packages stored now (or for ``digest``), without assembling
    anything: what a page reads, so no request ever adds up a nation's tallies."""
    if digest is None:
        digest = (await _package_set())[1]
    stored = await StoredRollup.select(StoredRollup.body).where(StoredRollup.digest == digest)
    if not stored:
        return None
    return Rollup.from_json(json.loads(gzip.decompress(stored[0]["body"])))


async def questionnaire_of(rollup: Rollup) -> Questionnaire:
    """The questionnaire every package of ``rollup`` answers (its titles and labels)."""
    return (await get_form_spec(rollup.content_hash)).questionnaire


async def rolled_up() -> Rollup:
    """The scores JSON (docs/scoring.md) of every imported package under one root, assembled
    from the stored packages, each verified again."""
    rows = await ImportedPackage.select(ImportedPackage.body)
    if not rows:
        raise NoPackages
    return _assembled([await verify_package(bytes(row["body"])) for row in rows])


def _assembled(packages: list[Verified]) -> Rollup:
    """The roll-up of verified packages, in the order of their root units whatever order they
    come in."""
    packages = sorted(packages, key=lambda package: package.payload["root"])
    keys: list[str] = []
    parents: list[int] = []
    expected: list[int | None] = []
    tallies: list[Tally] = []
    units: dict[str, dict[str, str]] = {}
    for package in packages:
        root = package.payload["root"]
        index: dict[str, int] = {}
        for unit, tally in zip(package.payload["units"], package.tallies, strict=True):
            index[unit["code"]] = len(keys)
            key = root if unit["parent"] is None else f"{root}/{unit['code']}"
            keys.append(key)
            units[key] = {"name": unit["name"], "kind": unit["kind"]}
            parents.append(-1 if unit["parent"] is None else index[unit["parent"]])
            expected.append(unit["expected"])
            tallies.append(tally)
    first = packages[0]
    instrument = instrument_of(first.questionnaire)
    resamples = first.payload["method"]["resamples"]
    tallies.append(empty_tally(instrument, taxonomy(), resamples).counts_only())
    scores = assemble(
        instrument,
        tallies,
        Groups(tuple(keys), tuple(parents), np.zeros(0, dtype=np.intp), tuple(expected)),
        k=first.payload["k"],
        policy=QualityPolicy(exclude=frozenset(first.payload["method"]["exclude_flagged"])),
        taxonomy=None,
        resamples=resamples,
    )
    return Rollup(
        scores.json,
        [
            {
                "campaign": package.campaign,
                "title": package.payload["campaign"]["title"],
                "opens_on": package.payload["campaign"]["opens_on"],
                "closes_on": package.payload["campaign"]["closes_on"],
                "root": package.payload["root"],
                "root_name": package.payload["units"][0]["name"],
                "key": package.key_name,
                "revision": package.payload["revision"],
                "n": sum(tally.n for tally in package.tallies),
            }
            for package in packages
        ],
        units,
        first.payload["questionnaire"]["content_hash"],
    )
