"""A campaign's results package: the counts of the units it may show, signed by this
installation (docs/RESULTS-PACKAGE.md).

Only units shown under the release rules travel, each with its *residual* tally: its own
responses and those of every withheld unit whose nearest shown ancestor it is — its subtree
minus its shown children's subtrees. Withheld units' responses thus still count, in the
nearest shown ancestor, yet no group under k is ever sent: complementary suppression has made
every residual 0 or at least k (``analysis.suppression``), and :func:`unit_problems` checks it
again before anything is signed and after anything is received. Tallies travel as counts only
(``Tally.counts_only``): no comment, no answer vector, no response.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.bootstrap import RESAMPLES, SEED
from analysis.scores import METHOD
from analysis.tally import Tally, empty_tally
from survey_server.campaigns.services import get_campaign
from survey_server.errors import AppError
from survey_server.i18n import N_
from survey_server.questionnaires.services import get_form_spec
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.results.signing import ALGORITHM, fingerprint, public_text, sign, signing_key
from survey_server.scoring import releases, tallies
from survey_server.scoring.adapter import instrument_of
from survey_server.scoring.services import assemble_campaign, publish

FORMAT = "lang-nghe-results/1"


class RootWithheld(AppError):
    status_code = 409
    code = "results_root_withheld"
    message = N_(
        "Đơn vị gốc {unit} của đợt {campaign} chưa được hiển thị (chưa đủ {k} ý kiến được "
        "công bố): chưa thể xuất gói kết quả."
    )


class UnitUnderK(AppError):
    """Never raised by a correct suppression: the last check before a package is signed."""

    status_code = 500
    code = "results_under_k"
    message = N_("Đơn vị {unit} có {n} ý kiến, dưới ngưỡng k = {k}: không xuất gói kết quả.")


@dataclass(frozen=True)
class UnitNode:
    """A unit of a package: its code, the code of its nearest shown ancestor, its residual."""

    code: str
    parent: str | None
    tally: Tally


def unit_problems(units: list[UnitNode], k: int) -> tuple[str, int] | None:
    """The first unit that would show fewer than k responses, and how many: a residual
    between 1 and k - 1, or a subtree (what the unit's scores count) under k. ``units`` come
    parents first."""
    subtree = {unit.code: unit.tally.n for unit in units}
    for unit in reversed(units):
        if unit.parent is not None:
            subtree[unit.parent] += subtree[unit.code]
    for unit in units:
        if 0 < unit.tally.n < k or subtree[unit.code] < k:
            return unit.code, min(unit.tally.n or subtree[unit.code], subtree[unit.code])
    return None


async def build_package(code: str, data_dir: Path) -> dict[str, Any]:
    """The signed package of a campaign's published results (every release made first)."""
    campaign = await get_campaign(code)
    await publish(campaign)  # the releases due are made before anything is read
    scores, units = await assemble_campaign(campaign)
    groups = scores.json.get("groups") or {}
    root_code = campaign["root_unit_code"]
    shown = {code for code, body in groups.items() if not body.get("suppressed")}
    if scores.json.get("suppressed") or root_code not in shown:
        raise RootWithheld(unit=root_code, campaign=campaign["code"], k=campaign["k"])

    version = await (
        QuestionnaireVersion.select(QuestionnaireVersion.content_hash)
        .where(QuestionnaireVersion.id == campaign["questionnaire"])
        .first()
    )
    spec = await get_form_spec(version["content_hash"])
    empty = empty_tally(instrument_of(spec.questionnaire), tallies.taxonomy(), RESAMPLES)
    stored = await tallies.load(campaign["id"])  # brought up to date by assemble_campaign
    by_id = {row["id"]: row for row in units}
    root = next(row for row in units if row["code"] == root_code)

    def shown_ancestor(row: dict[str, Any]) -> dict[str, Any]:
        """The unit itself when shown, else its nearest shown ancestor (the root at worst)."""
        while row["code"] not in shown:
            parent = by_id.get(row["parent"])
            if parent is None:
                return root
            row = parent
        return row

    def shown_above(row: dict[str, Any]) -> dict[str, Any]:
        """The nearest shown ancestor of a unit, not counting itself: its parent in the package."""
        parent = by_id.get(row["parent"])
        return root if parent is None else shown_ancestor(parent)

    residual: dict[int, Tally] = {}
    for row in units:
        own = stored.get(row["id"])
        if own is not None:
            home = shown_ancestor(row)["id"]
            part = own.counts_only()
            residual[home] = residual[home] + part if home in residual else part
    kept = [row for row in units if row["code"] in shown]
    nodes = [
        UnitNode(
            row["code"],
            None if row["id"] == root["id"] else shown_above(row)["code"],
            residual.get(row["id"], empty.counts_only()),
        )
        for row in kept
    ]
    problem = unit_problems(nodes, campaign["k"])
    if problem is not None:
        raise UnitUnderK(unit=problem[0], n=problem[1], k=campaign["k"])

    payload = {
        "campaign": {
            "code": campaign["code"],
            "title": json.loads(campaign["title"]),
            "opens_on": campaign["opens_on"].isoformat(),
            "closes_on": campaign["closes_on"].isoformat(),
        },
        "revision": await releases.newest_release(campaign["id"]),
        "k": campaign["k"],
        "method": {
            "resamples": RESAMPLES,
            "seed": SEED,
            "intervals": METHOD,
            "exclude_flagged": sorted(tallies.policy_of(campaign).exclude),
        },
        "questionnaire": {
            "slug": campaign["questionnaire_slug"],
            "version": campaign["questionnaire_version"],
            "content_hash": version["content_hash"],
        },
        "root": root_code,
        "units": [
            {
                "code": node.code,
                "name": row["name"],
                "kind": row["kind"],
                "parent": node.parent,
                "expected": (groups[node.code].get("response_rate") or {}).get("expected"),
                "tally": node.tally.to_json(),
            }
            for node, row in zip(nodes, kept, strict=True)
        ],
    }
    key = signing_key(data_dir)
    signed = {"format": FORMAT, "payload": payload}
    return {
        **signed,
        "signature": {
            "algorithm": ALGORITHM,
            "key": fingerprint(public_text(key.public_key())),
            "value": sign(key, signed),
        },
    }


def encode(package: dict[str, Any], *, compressed: bool) -> bytes:
    """The package file: UTF-8 JSON, gzip-compressed when asked (``.gz``)."""
    text = json.dumps(package, ensure_ascii=False, separators=(",", ":")).encode()
    return gzip.compress(text, mtime=0) if compressed else text
