"""Scores of a campaign from the database, and of a responses table from a file.

Both paths end in the same call, ``analysis.score`` on the same packed answers, so the numbers
an office computes offline from an export are the numbers the server shows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from piccolo.engine.postgres import PostgresEngine

from analysis.quality import QualityPolicy
from analysis.scores import Groups, Scores, compare_waves, score
from survey_server.campaigns.services import get_campaign
from survey_server.campaigns.tables import Campaign
from survey_server.distribution.services import reached_units
from survey_server.errors import AppError
from survey_server.i18n import N_, gettext, localize
from survey_server.questionnaires.loader import load_file
from survey_server.questionnaires.schema import Questionnaire
from survey_server.questionnaires.services import get_form_spec
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.responses.tables import Submission
from survey_server.responses.tabular import CellError, read_answers
from survey_server.responses.validation import FormSpec
from survey_server.scoring.adapter import instrument_of, response_data
from survey_server.spreadsheet import TableUnreadable, read_csv
from survey_server.units.services import get_unit, list_subtree

UNLABELLED = "(trống)"


class ResponsesFileInvalid(AppError):
    status_code = 422
    code = "responses_file_invalid"
    message = N_("Tệp câu trả lời có lỗi; chưa tính chỉ số.")

    def __init__(self, problems: list[str]) -> None:
        super().__init__()
        self.problems = problems


@dataclass(frozen=True)
class TableScores:
    scores: dict[str, Any]
    titles: dict[str, str]  # section id → Vietnamese title, for people reading the numbers
    responses: int
    blank_rows: int


def score_table(
    questionnaire_file: Path, responses_file: Path, *, by: str | None, k: int
) -> TableScores:
    """``survey-server score``: the scores JSON of a responses CSV (DESIGN §6).

    Every row goes through the submission validator (free text through the scrubber), so a
    bad cell is reported with its row and column and nothing is scored until the file is right.
    """
    spec = FormSpec.build(load_file(questionnaire_file).questionnaire)
    try:
        table = read_csv(responses_file.read_bytes())
    except TableUnreadable as error:
        raise ResponsesFileInvalid([_unreadable(error.code)]) from None
    if by is not None and by not in table.header:
        raise ResponsesFileInvalid(
            [gettext("Dòng 1: không có cột '{column}' để chia nhóm.", "vi", column=by)]
        )
    answers = read_answers(spec, table)
    if answers.errors:
        raise ResponsesFileInvalid([error.render() for error in _first(answers.errors)])
    labels = [row.other.get(by, "") or UNLABELLED for row in answers.rows] if by else None
    scores = score_answers(
        spec.questionnaire,
        [row.clean.closed for row in answers.rows],
        [_comment(spec, row.clean.answers) for row in answers.rows],
        k=k,
        groups=Groups.flat(labels) if labels is not None else None,
    )
    titles = {section.id: localize(section.title) for section in spec.questionnaire.sections}
    return TableScores(scores.json, titles, len(answers.rows), answers.blank_rows)


def score_answers(
    questionnaire: Questionnaire,
    closed: Sequence[bytes],
    comments: Sequence[str | None] | None,
    *,
    k: int,
    groups: Groups | None = None,
    durations: np.ndarray | None = None,
    policy: QualityPolicy | None = None,
) -> Scores:
    """Score packed answers of one questionnaire version (the one path to ``analysis``)."""
    data = response_data(questionnaire, closed, durations, comments)
    return score(instrument_of(questionnaire), data, k=k, groups=groups, policy=policy)


async def campaign_scores(code: str, unit_code: str | None = None) -> dict[str, Any]:
    """The scores of a campaign for a unit's subtree (the campaign's root unit by default),
    with the comparison against the previous campaign of the same questionnaire.

    The whole campaign is scored once and every unit's view is a slice of it, so that which
    groups are withheld is decided once for the campaign: two views can never be subtracted
    from each other to give back a withheld group.
    """
    campaign = await get_campaign(code)
    unit = await get_unit(unit_code) if unit_code else await get_unit(campaign["root_unit_code"])
    whole = await campaign_result(campaign)
    view = _view(whole, campaign, unit)
    view["previous"] = await _previous_wave(campaign, unit, whole.scores)
    return view


@dataclass(frozen=True)
class CampaignResult:
    """A campaign scored as a whole, and the paths of the units it reached."""

    scores: Scores
    paths: dict[str, str]  # unit code → path


_RESULTS: OrderedDict[tuple[Any, ...], CampaignResult] = OrderedDict()
_RESULTS_KEPT = 16


def forget_results() -> None:
    """Drop every cached campaign result (tests switch databases under the same ids)."""
    _RESULTS.clear()


async def campaign_result(campaign: dict[str, Any]) -> CampaignResult:
    """The campaign scored from its root, reused until a response arrives or a setting changes.

    Responses are only ever added, so the newest one's id tells whether anything arrived; the
    (campaign, id) index answers that in one step however large the campaign.
    """
    state = await Submission.raw(
        "SELECT MAX(id) AS last FROM submission WHERE campaign = {}", campaign["id"]
    )
    key = (campaign["id"], campaign["k"], campaign["exclude_flagged"], state[0]["last"])
    cached = _RESULTS.get(key)
    if cached is not None:
        _RESULTS.move_to_end(key)
        return cached
    root = await get_unit(campaign["root_unit_code"])
    answers = await load_answers(campaign, root)
    result = CampaignResult(
        score_loaded(answers), {row["code"]: row["path"] for row in answers.units}
    )
    _RESULTS[key] = result
    while len(_RESULTS) > _RESULTS_KEPT:
        _RESULTS.popitem(last=False)
    return result


def _view(whole: CampaignResult, campaign: dict[str, Any], unit: dict[str, Any]) -> dict[str, Any]:
    """A unit's part of the campaign's scores: its own numbers on top, its subtree's groups."""
    scores = whole.scores.json
    head = {
        "questionnaire": scores["questionnaire"],
        "version": scores["version"],
        "k": scores["k"],
    }
    context = {"campaign": campaign["code"], "unit": unit["code"]}
    body = (scores.get("groups") or {}).get(unit["code"])
    if body is None or body.get("suppressed"):
        return {**head, "suppressed": True, "n_below": scores["k"], **context}
    own = {key: value for key, value in body.items() if key not in ("suppressed", "parent")}
    groups = {
        code: group
        for code, group in scores["groups"].items()
        if whole.paths.get(code, "").startswith(unit["path"])
    }
    return {**head, **own, "method": scores["method"], "groups": groups, **context}


@dataclass(frozen=True)
class CampaignAnswers:
    """What scoring a campaign for a subtree reads from the database."""

    questionnaire: Questionnaire
    closed: list[bytes]
    comments: list[str | None]
    durations: np.ndarray
    groups: Groups
    k: int
    policy: QualityPolicy
    units: list[dict[str, Any]]


async def load_answers(campaign: dict[str, Any], unit: dict[str, Any]) -> CampaignAnswers:
    """The packed answers of a campaign's responses in a unit's subtree, with the unit tree."""
    spec = await campaign_form(campaign)
    units = await _campaign_units(campaign["id"], unit)
    index = {row["id"]: i for i, row in enumerate(units)}
    rows = await _load_submissions(campaign["id"], spec, unit["path"])
    groups = Groups(
        keys=tuple(row["code"] for row in units),
        parents=tuple(
            -1 if row["id"] == unit["id"] else index.get(row["parent"], -1) for row in units
        ),
        of=np.array([index[row["unit"]] for row in rows], dtype=np.intp),
        expected=tuple(row["expected_respondents"] for row in units),
    )
    flags = frozenset(flag for flag in campaign["exclude_flagged"].split(",") if flag)
    return CampaignAnswers(
        questionnaire=spec.questionnaire,
        closed=[bytes(row["closed"]) for row in rows],
        comments=[row.get("comment") for row in rows],
        durations=np.array([row["duration_bucket"] for row in rows], dtype=np.int16),
        groups=groups,
        k=campaign["k"],
        policy=QualityPolicy(exclude=flags),
        units=units,
    )


def score_loaded(answers: CampaignAnswers) -> Scores:
    return score_answers(
        answers.questionnaire,
        answers.closed,
        answers.comments,
        k=answers.k,
        groups=answers.groups,
        durations=answers.durations,
        policy=answers.policy,
    )


async def _campaign_units(campaign_id: int, root: dict[str, Any]) -> list[dict[str, Any]]:
    """The units of ``root``'s subtree that the campaign reaches."""
    reached = await reached_units(campaign_id)
    return [
        row
        for row in await list_subtree(root["path"])
        if row["id"] in reached or row["id"] == root["id"]
    ]


async def _load_submissions(
    campaign_id: int, spec: FormSpec, subtree_path: str
) -> list[dict[str, Any]]:
    """The closed answers, completion buckets and units of a campaign's responses in a
    subtree, and their free text joined into one comment."""
    expression = comment_expression(spec, "answers")
    comment = f", {expression} AS comment" if expression else ""
    rows = await Submission.raw(
        f"SELECT unit, duration_bucket, closed{comment} FROM submission "
        "WHERE campaign = {} AND unit IN (SELECT id FROM unit WHERE path LIKE {})",
        campaign_id,
        f"{subtree_path}%",
    )
    for row in rows:
        row["comment"] = tidy_comment(row.get("comment"))
    return rows


def comment_expression(spec: FormSpec, column: str) -> str | None:
    """SQL that joins a response's free-text answers (in ``column``, the stored JSON) into one
    comment, a line per answer; ``None`` when the questionnaire has no text question.

    The database takes the text out of the JSON (``json_extract`` / ``->>``), so a million
    responses are not parsed in Python; question ids are ``[a-z0-9_]+`` (schema-checked), safe
    to name in the query.
    """
    texts = [question.id for question in spec.questions if question.type == "text"]
    if not texts:
        return None
    postgres = isinstance(Submission._meta.db, PostgresEngine)
    extract = [
        f"({column}::json ->> '{qid}')" if postgres else f"json_extract({column}, '$.{qid}')"
        for qid in texts
    ]
    return " || ".join(_joinable(e, postgres) for e in extract)


def tidy_comment(text: str | None) -> str | None:
    """The joined comment without its trailing newline; ``None`` when it is empty."""
    return (text.strip("\n") or None) if text else None


def _joinable(expression: str, postgres: bool) -> str:
    """``expression`` followed by a newline when it is not NULL, else the empty string."""
    newline = "chr(10)" if postgres else "char(10)"
    return f"COALESCE({expression} || {newline}, '')"


def _comment(spec: FormSpec, answers: dict[str, Any]) -> str | None:
    """The free-text answers of a response, one per line (already scrubbed when stored)."""
    parts = [
        answers[question.id]
        for question in spec.questions
        if question.type == "text" and answers.get(question.id)
    ]
    return "\n".join(parts) or None


async def _previous_wave(
    campaign: dict[str, Any], unit: dict[str, Any], current: Scores
) -> dict[str, Any] | None:
    """The latest earlier campaign of the same questionnaire slug that covered the unit, and
    the comparison with it (DESIGN §7.6), when the unit is shown in both."""
    candidates = (
        await Campaign.select(Campaign.code, Campaign.root_unit.path.as_alias("root_path"))
        .where(
            (Campaign.questionnaire.slug == campaign["questionnaire_slug"])
            & (Campaign.closes_on < campaign["opens_on"])
        )
        .order_by(Campaign.closes_on, ascending=False)
    )
    earlier = next((c for c in candidates if unit["path"].startswith(c["root_path"])), None)
    if earlier is None or unit["code"] not in current.summaries:
        return None
    previous = await campaign_result(await get_campaign(earlier["code"]))
    before = previous.scores.summaries.get(unit["code"])
    if before is None:
        return {"campaign": earlier["code"], "suppressed": True}
    return {
        "campaign": earlier["code"],
        "n": before.n,
        "overall": round(before.overall, 1),
        "dimensions": {key: round(value[0], 1) for key, value in before.dimensions.items()},
        "comparison": compare_waves(current.summaries[unit["code"]], before),
    }


async def campaign_form(campaign: dict[str, Any]) -> FormSpec:
    """The questionnaire version a campaign asks (labels for pages, exports and reports)."""
    row = await (
        QuestionnaireVersion.select(QuestionnaireVersion.content_hash)
        .where(QuestionnaireVersion.id == campaign["questionnaire"])
        .first()
    )
    return await get_form_spec(row["content_hash"])


def _unreadable(code: str) -> str:
    if code == "encoding":
        return gettext("Dòng 1: tệp không phải văn bản UTF-8 (hãy lưu dạng CSV UTF-8).", "vi")
    return gettext("Dòng 1: tệp trống.", "vi")


def _first(errors: list[CellError], limit: int = 50) -> list[CellError]:
    return errors[:limit]
