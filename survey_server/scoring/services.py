"""Scores of a campaign from the database, and of a responses table from a file.

Both paths end in the same call, ``analysis.score`` on the same packed answers, so the numbers
an office computes offline from an export are the numbers the server shows.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import anyio
import numpy as np
from piccolo.engine.postgres import PostgresEngine

from analysis.bootstrap import RESAMPLES
from analysis.quality import QualityPolicy
from analysis.scores import Groups, Scores, assemble, compare_waves, score
from analysis.tally import empty_tally
from survey_server.campaigns.services import get_campaign
from survey_server.campaigns.tables import Campaign
from survey_server.distribution.services import linked_units
from survey_server.errors import AppError
from survey_server.i18n import N_, gettext, localize
from survey_server.jobs.queue import defer_scoring
from survey_server.questionnaires.loader import load_file
from survey_server.questionnaires.schema import Questionnaire
from survey_server.questionnaires.services import get_form_spec
from survey_server.questionnaires.tables import QuestionnaireVersion
from survey_server.responses.tables import Submission
from survey_server.responses.tabular import CellError, read_answers
from survey_server.responses.validation import FormSpec
from survey_server.scoring import releases, snapshots, tallies, worker
from survey_server.scoring.adapter import instrument_of, response_data
from survey_server.scoring.columns import match_columns
from survey_server.scoring.columns import notes as column_notes
from survey_server.scoring.columns import problems as column_problems
from survey_server.scoring.snapshots import CampaignResult, State
from survey_server.scoring.tallies import tidy_comment
from survey_server.spreadsheet import TableUnreadable, read_csv, read_xlsx
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
    notes: list[str]  # how the columns were read (``scoring.columns``)


def score_table(
    questionnaire_file: Path,
    responses_file: Path,
    *,
    by: str | None,
    k: int,
    keep: Sequence[str] = (),
) -> TableScores:
    """``survey-server score``: the scores JSON of a responses CSV or XLSX (docs/scoring.md),
    our own table or a Kobo/ODK export (``scoring.columns``); ``keep`` names columns that are
    not questions besides ``by``.

    Every row goes through the submission validator (free text through the scrubber, with its
    statistical reading of names since nobody waits on a submission here), so a
    bad cell is reported with its row and column and nothing is scored until the file is right;
    so is a column that matches no question, which would otherwise be left out unnoticed.
    """
    spec = FormSpec.build(load_file(questionnaire_file).questionnaire)
    data = responses_file.read_bytes()
    try:
        table = read_xlsx(data) if data[:4] == b"PK\x03\x04" else read_csv(data)
    except TableUnreadable as error:
        raise ResponsesFileInvalid([_unreadable(error.code)]) from None
    if by is not None and by not in table.header:
        raise ResponsesFileInvalid(
            [gettext("Dòng 1: không có cột '{column}' để chia nhóm.", "vi", column=by)]
        )
    columns = match_columns(spec, table, {*keep, *([by] if by else [])})
    problems = column_problems(spec, columns)
    if not columns.matched:
        raise ResponsesFileInvalid(problems)
    answers = read_answers(spec, columns.table, deep_scrub=True)  # offline: time for the CRF
    problems += [error.render() for error in _first(answers.errors)]
    if problems:
        raise ResponsesFileInvalid(problems)
    labels = [row.other.get(by, "") or UNLABELLED for row in answers.rows] if by else None
    scores = score_answers(
        spec.questionnaire,
        [row.clean.closed for row in answers.rows],
        [_comment(spec, row.clean.answers) for row in answers.rows],
        k=k,
        groups=Groups.flat(labels) if labels is not None else None,
    )
    titles = {section.id: localize(section.title) for section in spec.questionnaire.sections}
    return TableScores(
        scores.json, titles, len(answers.rows), answers.blank_rows, column_notes(columns)
    )


def score_answers(
    questionnaire: Questionnaire,
    closed: Sequence[bytes],
    comments: Sequence[str | None] | None,
    *,
    k: int,
    groups: Groups | None = None,
    durations: np.ndarray | None = None,
    policy: QualityPolicy | None = None,
    keys: np.ndarray | None = None,
) -> Scores:
    """Score packed answers of one questionnaire version (the one path to ``analysis``);
    ``keys``, the responses' bootstrap keys, when they have them (``tallies.receipt_keys``)."""
    data = response_data(questionnaire, closed, durations, comments)
    return score(instrument_of(questionnaire), data, k=k, groups=groups, policy=policy, keys=keys)


async def campaign_scores(
    code: str, unit_code: str | None = None, *, wait: float | None = None, depth: int | None = None
) -> dict[str, Any]:
    """The scores of a campaign for a unit's subtree (the campaign's root unit by default),
    with the comparison against the previous campaign of the same questionnaire.

    The whole campaign is scored once and every unit's view is a slice of it, so that which
    groups are withheld is decided once for the campaign: two views can never be subtracted
    from each other to give back a withheld group. ``pending`` says the campaign is being
    scored again and ``unscored`` how many newer published responses the numbers leave out
    (``wait``: see ``campaign_result``); ``unpublished`` the band of k in which the responses
    not yet published fall (``scoring.releases``). ``depth`` keeps the groups of that many
    levels below the unit (1: its children), all of them by default: a ministry's subtree has
    tens of thousands of units.
    """
    campaign = await get_campaign(code)
    unit = await get_unit(unit_code) if unit_code else await get_unit(campaign["root_unit_code"])
    whole = await campaign_result(campaign, wait=wait)
    view = _view(whole, campaign, unit, depth)
    view["pending"], view["unscored"] = whole.pending, whole.unscored
    view["unpublished"] = (await releases.withheld(campaign, unit["path"])).as_json()
    view["previous"] = await _previous_wave(campaign, unit, whole.scores)
    return view


#: How long a view waits for a campaign to be scored again before it shows the stored result,
#: marked as pending. A school's campaign is scored well within it; a province's is not.
REFRESH_WAIT_SECONDS = 2.0
#: ``wait`` for a report or an export, which must count every stored response.
EVERY_RESPONSE = math.inf
_KEPT: OrderedDict[int, CampaignResult] = OrderedDict()  # campaign id → newest result seen
_KEPT_CAMPAIGNS = 16
_SCORING: dict[int, asyncio.Task[CampaignResult]] = {}
_POLL_SECONDS = 0.5
LOAD_BATCH = 20_000

logger = logging.getLogger(__name__)


def forget_results() -> None:
    """Drop the results kept in this process (tests switch databases under the same ids)."""
    _KEPT.clear()
    _SCORING.clear()


async def campaign_result(campaign: dict[str, Any], *, wait: float | None = None) -> CampaignResult:
    """The campaign scored from its root, as current as ``wait`` seconds allow.

    A result is current when no response arrived and the unit tree did not change since it was
    computed (responses are only ever added, so the newest one's id tells; the (campaign, id)
    index answers in one step). A result that is not current is scored again in the background
    — by one process at a time, stored for every process and restart — and the caller waits up
    to ``wait`` seconds (``EVERY_RESPONSE`` for reports and exports) before it is given the
    previous result, marked ``pending``. By default it waits ``REFRESH_WAIT_SECONDS`` when the
    previous scoring took less, else not at all: every view of a large campaign would otherwise
    wait out the whole budget while it is scored. A result computed under other settings (k,
    excluded flags) is never given: then the caller waits for the new one.
    """
    root, units = await _publish(campaign)
    state = await _current_state(campaign, units)
    latest = await _latest(campaign["id"])
    if latest is not None and latest.state == state:
        return latest
    usable = latest if latest is not None and latest.state.same_settings(state) else None
    limit = math.inf
    if usable is not None:
        limit = REFRESH_WAIT_SECONDS if wait is None else wait
        if wait is None and usable.seconds > limit:
            limit = 0  # it would not be done in time: answer at once
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        # a scoring already running may have read the campaign before the latest responses
        task = _scoring(campaign, root)
        try:
            result = await asyncio.wait_for(
                asyncio.shield(task), max(0.0, deadline - asyncio.get_running_loop().time())
            )
        except TimeoutError:
            assert usable is not None  # without one, the wait has no limit
            unscored = await releases.released_after(campaign["id"], usable.state.newest)
            return replace(usable, pending=True, unscored=unscored)
        if result.state.same_settings(state) and result.state.newest >= state.newest:
            return result


async def publish(campaign: dict[str, Any]) -> dict[str, Any]:
    """Make the campaign's due releases (``releases.refresh``) before anything of it is read;
    its root unit."""
    root, _ = await _publish(campaign)
    return root


async def _publish(campaign: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``publish``, and the units the campaign reaches (read once for a view: a national
    campaign has tens of thousands)."""
    root = await get_unit(campaign["root_unit_code"])
    units = await campaign_units(campaign["id"], root)
    screening = (
        (await campaign_form(campaign)).questionnaire if campaign["exclude_flagged"] else None
    )
    if await releases.refresh(campaign, units, screening):
        await defer_scoring(campaign["code"])  # stored scores brought up to date by a worker
    return root, units


async def _latest(campaign_id: int) -> CampaignResult | None:
    """The newest stored result of the campaign, read from the database only when this process
    does not keep it already. A result kept here but no longer stored is dropped: the stored
    one is removed when comments it quotes are purged (``snapshots.forget``)."""
    kept = _KEPT.pop(campaign_id, None)
    stored = await snapshots.stored_state(campaign_id)
    if stored is None:
        return None
    if kept is None or kept.state != stored:
        kept = await _read_stored(campaign_id)
    if kept is not None:
        _keep(campaign_id, kept)
    return kept


def _keep(campaign_id: int, result: CampaignResult) -> None:
    """Keep the campaign's newest result here, for the campaigns most recently viewed."""
    _KEPT[campaign_id] = result
    _KEPT.move_to_end(campaign_id)
    while len(_KEPT) > _KEPT_CAMPAIGNS:
        _KEPT.popitem(last=False)


async def _read_stored(campaign_id: int) -> CampaignResult | None:
    found = await snapshots.stored_body(campaign_id)
    if found is None:
        return None
    return await anyio.to_thread.run_sync(snapshots.decode, *found)


def _scoring(campaign: dict[str, Any], root: dict[str, Any]) -> asyncio.Task[CampaignResult]:
    """The task scoring the campaign in this process, started if none runs."""
    task = _SCORING.get(campaign["id"])
    if task is None:
        task = asyncio.create_task(_score_and_store(campaign, root))
        _SCORING[campaign["id"]] = task
        task.add_done_callback(lambda done: _finished(campaign["id"], done))
    return task


def _finished(campaign_id: int, task: asyncio.Task[CampaignResult]) -> None:
    if _SCORING.get(campaign_id) is task:
        del _SCORING[campaign_id]
    if not task.cancelled() and task.exception() is not None:
        error = task.exception()
        logger.error("scoring campaign %s failed: %s", campaign_id, type(error).__name__)


async def _score_and_store(campaign: dict[str, Any], root: dict[str, Any]) -> CampaignResult:
    """Score the whole campaign under the lease, in the child process, and store the result,
    unless another process stored a current one while this one waited for the lease."""
    while not await snapshots.claim(campaign["id"]):
        await asyncio.sleep(_POLL_SECONDS)
    try:
        campaign = await get_campaign(campaign["code"])  # its settings now, not when asked
        state = await _current_state(campaign, await campaign_units(campaign["id"], root))
        stored = await snapshots.stored_state(campaign["id"])
        result = await _read_stored(campaign["id"]) if stored == state else None
        if result is not None:
            await snapshots.release(campaign["id"])
        else:
            url = worker.engine_url(Submission._meta.db)
            body, seconds = await worker.score_in_child(url, campaign["code"], state)
            result = await anyio.to_thread.run_sync(snapshots.decode, body, state, seconds)
    except BaseException:
        await snapshots.release(campaign["id"])
        raise
    _keep(campaign["id"], result)
    return result


async def _current_state(campaign: dict[str, Any], units: list[dict[str, Any]]) -> State:
    """What the campaign's scores depend on now, over the units it reaches."""
    return State(
        newest=await releases.newest_release(campaign["id"]),
        units=snapshots.units_digest(units),
        k=campaign["k"],
        exclude_flagged=campaign["exclude_flagged"],
        method=snapshots.method_digest(),
    )


def _view(
    whole: CampaignResult, campaign: dict[str, Any], unit: dict[str, Any], depth: int | None = None
) -> dict[str, Any]:
    """A unit's part of the campaign's scores: its own numbers on top, its subtree's groups
    (down to ``depth`` levels below it)."""
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
    deepest = None if depth is None else unit["path"].count("/") + depth
    groups = {
        code: group
        for code, group in scores["groups"].items()
        if (path := whole.paths.get(code, "")).startswith(unit["path"])
        and (deepest is None or path.count("/") <= deepest)
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
    keys: np.ndarray


async def load_answers(
    campaign: dict[str, Any], unit: dict[str, Any], *, newest: int | None = None
) -> CampaignAnswers:
    """The packed answers of a campaign's published responses in a unit's subtree (up to the
    release ``newest``, by default the newest), grouped by their release's unit, with the tree."""
    spec = await campaign_form(campaign)
    units = await campaign_units(campaign["id"], unit)
    index = {row["id"]: i for i, row in enumerate(units)}
    if newest is None:
        newest = await releases.newest_release(campaign["id"])
    columns = await _load_submissions(campaign["id"], spec, index, newest)
    return CampaignAnswers(
        questionnaire=spec.questionnaire,
        closed=columns.closed,
        comments=columns.comments,
        durations=np.array(columns.durations, dtype=np.int16),
        groups=unit_groups(units, unit, np.array(columns.groups, dtype=np.intp)),
        k=campaign["k"],
        policy=tallies.policy_of(campaign),
        units=units,
        keys=tallies.receipt_keys(columns.receipts),
    )


def unit_groups(units: list[dict[str, Any]], root: dict[str, Any], of: np.ndarray) -> Groups:
    """The scoring groups of a campaign's units under ``root``."""
    index = {row["id"]: i for i, row in enumerate(units)}
    return Groups(
        keys=tuple(row["code"] for row in units),
        parents=tuple(
            -1 if row["id"] == root["id"] else index.get(row["parent"], -1) for row in units
        ),
        of=of,
        expected=tuple(row["expected_respondents"] for row in units),
    )


async def assemble_campaign(campaign: dict[str, Any]) -> tuple[Scores, list[dict[str, Any]]]:
    """The campaign scored from its root by adding up its units' tallies, after adding the
    releases not yet tallied (``scoring.tallies``): what ``score_loaded`` gives from the
    responses, without reading them again; with the units it grouped by."""
    spec = await campaign_form(campaign)
    root = await get_unit(campaign["root_unit_code"])
    await tallies.update(campaign, spec.questionnaire, comment_expression(spec, "s.answers"))
    units = await campaign_units(campaign["id"], root)
    stored = await tallies.load(campaign["id"])
    instrument = instrument_of(spec.questionnaire)
    empty = empty_tally(instrument, tallies.taxonomy(), RESAMPLES)
    return assemble(
        instrument,
        [*(stored.get(row["id"], empty) for row in units), empty],
        unit_groups(units, root, np.zeros(0, dtype=np.intp)),
        k=campaign["k"],
        policy=tallies.policy_of(campaign),
        taxonomy=tallies.taxonomy(),
    ), units


async def matches_full_scoring(campaign: dict[str, Any]) -> bool:
    """Whether the campaign's scores from its units' tallies are those of a full scoring from
    its responses, the reference (``survey-server rescore --check``)."""
    incremental, _ = await assemble_campaign(campaign)
    root = await get_unit(campaign["root_unit_code"])
    full = score_loaded(await load_answers(campaign, root))
    return incremental.json == full.json and incremental.summaries == full.summaries


def score_loaded(answers: CampaignAnswers) -> Scores:
    return score_answers(
        answers.questionnaire,
        answers.closed,
        answers.comments,
        k=answers.k,
        groups=answers.groups,
        durations=answers.durations,
        policy=answers.policy,
        keys=answers.keys,
    )


async def campaign_units(campaign_id: int, root: dict[str, Any]) -> list[dict[str, Any]]:
    """The units of ``root``'s subtree that the campaign reaches (``reached_units``): its
    root, those with one of its links and every unit between them, found by walking the
    subtree's parents up from the linked units instead of splitting each link's path (every
    view asks, and a national campaign has ~50,000 links)."""
    rows = await list_subtree(root["path"])
    parent = {row["id"]: row["parent"] for row in rows}
    reached = {root["id"]}
    for unit in await linked_units(campaign_id):
        while unit in parent and unit not in reached:
            reached.add(unit)
            unit = parent[unit]
    return [row for row in rows if row["id"] in reached]


@dataclass
class _Columns:
    groups: list[int] = field(default_factory=list)  # position of the response's unit
    durations: list[int] = field(default_factory=list)
    closed: list[bytes] = field(default_factory=list)
    comments: list[str | None] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)


async def _load_submissions(
    campaign_id: int, spec: FormSpec, index: dict[int, int], newest: int
) -> _Columns:
    """The units, completion buckets and closed answers of a campaign's responses published up
    to the release ``newest`` whose release's unit is in ``index`` (unit id → position), and
    their free text joined into one comment.

    A response counts in the unit its release is attributed to, not the unit of its link: a
    small class's responses pooled into its school's release are part of the school and of no
    view of the class (``analysis.release``). Read in batches along the (campaign, id) index —
    a plan that needs no table statistics — so a campaign of a million responses never holds
    the server's event loop for long and its rows never sit in memory all at once.
    """
    expression = comment_expression(spec, "s.answers")
    comment = f", {expression} AS comment" if expression else ""
    columns = _Columns()
    last = 0
    while True:
        rows = await Submission.raw(
            f"SELECT s.id, s.receipt, r.unit, s.duration_bucket, s.closed{comment} FROM submission s "
            "JOIN response_release r ON r.id = s.released_in "
            "WHERE s.campaign = {} AND s.id > {} AND s.released_in <= {} ORDER BY s.id LIMIT {}",
            campaign_id,
            last,
            newest,
            LOAD_BATCH,
        )
        for row in rows:
            position = index.get(row["unit"])
            if position is None:
                continue
            columns.groups.append(position)
            columns.durations.append(row["duration_bucket"])
            columns.closed.append(bytes(row["closed"]))
            columns.comments.append(tidy_comment(row.get("comment")))
            columns.receipts.append(row["receipt"])
        if len(rows) < LOAD_BATCH:
            return columns
        last = rows[-1]["id"]


def comment_expression(spec: FormSpec, column: str) -> str | None:
    """SQL that joins a response's free-text answers (in ``column``, the stored JSON) into one
    comment, a line per answer; ``None`` when the questionnaire has no text question.

    The database takes the text out of the JSON (``json_extract`` / ``->>``), so a million
    responses are not parsed in Python, and parses only the JSON of responses whose text holds
    the question's key (an unanswered question is absent; most responses have no comment);
    question ids are ``[a-z0-9_]+`` (schema-checked), safe to name in the query.
    """
    texts = [question.id for question in spec.questions if question.type == "text"]
    if not texts:
        return None
    postgres = isinstance(Submission._meta.db, PostgresEngine)
    return " || ".join(_joinable(_extract(column, qid, postgres), postgres) for qid in texts)


def _extract(column: str, qid: str, postgres: bool) -> str:
    if postgres:
        return f"""CASE WHEN strpos({column}, '"{qid}"') > 0 THEN {column}::json ->> '{qid}' END"""
    return (
        f"""CASE WHEN instr({column}, '"{qid}"') > 0 THEN json_extract({column}, '$.{qid}') END"""
    )


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
    the comparison with it (docs/scoring.md), when the unit is shown in both."""
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
    from survey_server.paper.imports import UNREADABLE  # it imports this module

    if code == "encoding":
        return gettext("Dòng 1: tệp không phải văn bản UTF-8 (hãy lưu dạng CSV UTF-8).", "vi")
    return gettext(UNREADABLE[code], "vi")


def _first(errors: list[CellError], limit: int = 50) -> list[CellError]:
    return errors[:limit]
