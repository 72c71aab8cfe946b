"""Which column of a responses table is which question, for tables exported by Kobo or ODK.

``survey-server score`` reads a table with one column per question id. Offices that collected
answers with KoboToolbox or ODK Central send that tool's export instead, whose headers and
cells follow the export options chosen:

* headers are XML names, optionally prefixed by their groups (``tiep_can/tc1``; the group
  separator is ``/`` by default and can be set to any other, such as ``-`` or ``.``), or the
  questions' labels in one of the form's languages (again optionally after the group labels);
* submission metadata comes along: ``_id``, ``_uuid``, ``_submission_time``, ``_index``,
  ``__version__``, ``start``, ``end``, ``deviceid``, ``meta/instanceID``…;
* a select-many question is one column of space-separated choices, one ``question/option``
  column per choice holding 1 or 0, or both;
* cells hold choice names ("XML values") or labels.

This module maps such a table onto the questionnaire's ids and values before the rows are read
like any other (``survey_server.responses.tabular``), and says what it matched and left out:
a column matching no question is never dropped silently, since an answer column spelled
differently would then be missing from the scores without anyone noticing.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from survey_server.i18n import gettext
from survey_server.questionnaires.schema import Question
from survey_server.questionnaires.xlsform_vocabulary import META
from survey_server.responses.tabular import MULTI_SEPARATOR, SHORT_CELL
from survey_server.responses.validation import FormSpec
from survey_server.spreadsheet import Table

#: Submission metadata Kobo and ODK add to every export (besides every ``_``-prefixed column):
#: the XLSForm metadata questions (``start``, ``deviceid``…) and the server's own columns.
META_COLUMNS = META | frozenset(
    {
        "instancename",
        "key",
        "submissiondate",
        "submitterid",
        "submittername",
        "attachmentspresent",
        "attachmentsexpected",
        "status",
        "reviewstate",
        "edits",
        "formversion",
    }
)
#: Groups whose every column is metadata.
META_GROUPS = ("meta", "formhub")
#: Cells of a select-many detail column that mean "chosen" and "not chosen".
_CHOSEN = frozenset({"1", "true", "yes", "x", "có"})
_NOT_CHOSEN = frozenset({"", "0", "false", "no", "không"})
_NAME = re.compile(r"[A-Za-z0-9_]+")
#: What may separate a group from a question in a header of labels.
_LABEL_SEPARATORS = "/-.:|>"


def folded(text: str) -> str:
    """A label as compared: NFC, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Detail:
    """A select-many detail column: one choice of one question, 1 or 0."""

    question: str
    option: str


@dataclass
class Columns:
    """The table with question columns renamed to their ids and cells to the values the reader
    takes, and what was done with every other column."""

    table: Table
    matched: list[str] = field(default_factory=list)  # question ids read from the table
    built: list[str] = field(default_factory=list)  # select-many ids read from detail columns
    renamed: dict[str, str] = field(default_factory=dict)  # header → question id
    meta: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # detail columns left for the summary
    unknown: list[str] = field(default_factory=list)
    repeated: list[tuple[str, str, str]] = field(default_factory=list)  # header, id, first


def match_columns(spec: FormSpec, table: Table, keep: Collection[str]) -> Columns:
    """Map ``table``'s headers and cells onto ``spec``; ``keep`` names the columns that are not
    questions and are wanted as they are (the ``--by`` column, others the user named)."""
    labels = _labels(spec)
    targets: list[str | Detail | None] = []
    out = Columns(Table([], []))
    seen: dict[str, str] = {}
    for header in table.header:
        target = _target(spec, labels, header)
        if isinstance(target, str):
            if target in seen:
                out.repeated.append((header, target, seen[target]))
                target = None
            else:
                seen[target] = header
                if header != target:
                    out.renamed[header] = target
        elif isinstance(target, Detail) or header in keep:
            pass
        elif _is_meta(header):
            out.meta.append(header)
        elif header:
            out.unknown.append(header)
        targets.append(target)
    summarised = {t for t in targets if isinstance(t, str)}
    built = sorted(
        {t.question for t in targets if isinstance(t, Detail) and t.question not in summarised}
    )
    out.details = [
        h
        for h, t in zip(table.header, targets, strict=True)
        if isinstance(t, Detail) and t.question in summarised
    ]
    header = [
        t if isinstance(t, str) else h
        for h, t in zip(table.header, targets, strict=True)
        if (isinstance(t, str) or h in keep or h in out.unknown)
    ] + built
    values = _values(spec)
    memo: dict[tuple[str, str], str] = {}  # a column holds few distinct short cells
    rows = []
    for number, cells in table.rows:
        record: list[str] = []
        chosen: dict[str, list[str]] = {question: [] for question in built}
        for h, t, cell in zip(table.header, targets, _padded(cells, len(targets)), strict=True):
            if isinstance(t, str):
                value = memo.get((t, cell))
                if value is None:
                    value = _cell(spec.by_id[t], values.get(t, {}), cell)
                    if len(cell) <= SHORT_CELL:
                        memo[(t, cell)] = value
                record.append(value)
            elif isinstance(t, Detail):
                if t.question in chosen:
                    chosen[t.question].append(_detail(t, cell))
            elif h in keep or h in out.unknown:
                record.append(cell)
        record += [MULTI_SEPARATOR.join(filter(None, chosen[q])) for q in built]
        rows.append((number, record))
    out.table = Table(header, rows)
    out.matched, out.built = [*seen, *built], built
    return out


def notes(columns: Columns, lang: str = "vi") -> list[str]:
    """What was read differently from a plain table, for the person running the command to
    check: a line per renamed column, then the columns left out and why."""
    lines = []
    if columns.renamed:
        lines.append(gettext("Cột được hiểu là câu hỏi:", lang))
        lines += [f"  {header} → {qid}" for header, qid in columns.renamed.items()]
    if columns.meta:
        lines.append(
            gettext(
                "Bỏ qua {n} cột thông tin của phiếu (Kobo/ODK), không phải câu trả lời: {names}.",
                lang,
                n=len(columns.meta),
                names=", ".join(columns.meta),
            )
        )
    if columns.built:
        lines.append(
            gettext(
                "Câu hỏi nhiều lựa chọn {ids} được đọc từ các cột của từng phương án (1 là có chọn).",
                lang,
                ids=", ".join(columns.built),
            )
        )
    if columns.details:
        lines.append(
            gettext(
                "Bỏ qua {n} cột của từng phương án vì đã có cột chung của câu hỏi: {names}.",
                lang,
                n=len(columns.details),
                names=", ".join(columns.details),
            )
        )
    return lines


def problems(spec: FormSpec, columns: Columns, lang: str = "vi") -> list[str]:
    """Why the columns cannot be scored as they are: none is a question (with the ids
    expected and the headers that come closest), some match no question, or two are the same
    question."""
    if not columns.matched:
        ids = [question.id for question in spec.questions]
        near = closest(spec, columns.unknown)
        lines = [
            gettext(
                "Dòng 1: không cột nào khớp với câu hỏi của bảng hỏi. Các cột cần có tên là mã "
                "câu hỏi (có thể kèm tên nhóm, ví dụ nhom/{first}) hoặc nội dung câu hỏi: {ids}.",
                lang,
                first=ids[0],
                ids=", ".join(ids),
            )
        ]
        if near:
            found = ", ".join(f"“{header}” (gần {qid})" for header, qid in near)
            lines.append(gettext("Cột gần giống nhất trong tệp: {found}.", lang, found=found))
        return lines
    lines = []
    if columns.unknown:
        lines.append(
            gettext(
                "Dòng 1: {n} cột không khớp với câu hỏi nào của bảng hỏi: {names}. Hãy đổi tên "
                "cột theo mã câu hỏi, hoặc nếu không phải câu hỏi thì ghi rõ bằng --by hay "
                "--keep.",
                lang,
                n=len(columns.unknown),
                names=", ".join(f"“{header}”" for header in columns.unknown),
            )
        )
    for header, qid, first in columns.repeated:
        lines.append(
            gettext(
                "Dòng 1: cột “{header}” lặp lại câu hỏi {qid} đã có ở cột “{first}”.",
                lang,
                header=header,
                qid=qid,
                first=first,
            )
        )
    return lines


def closest(spec: FormSpec, headers: list[str], limit: int = 5) -> list[tuple[str, str]]:
    """The headers most like a question id or label, each with that question's id."""
    names = {question.id: question.id for question in spec.questions}
    names |= {folded(text): q.id for q in spec.questions for text in q.text.values()}
    found: list[tuple[float, str, str]] = []
    for header in headers:
        key = folded(header)
        best = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
        if best:
            ratio = difflib.SequenceMatcher(None, key, best[0]).ratio()
            found.append((ratio, header, names[best[0]]))
    found.sort(key=lambda item: -item[0])
    return [(header, question) for _, header, question in found[:limit]]


def _padded(cells: list[str], width: int) -> list[str]:
    return (cells + [""] * width)[:width]


@dataclass(frozen=True)
class _Labels:
    """Every label of the questionnaire, folded, in any of its languages."""

    questions: dict[str, str | None]  # label → id (None: several questions share it)
    options: dict[str, dict[str, str]]  # multi question id → label or id → option id


def _labels(spec: FormSpec) -> _Labels:
    questions: dict[str, str | None] = {}
    options: dict[str, dict[str, str]] = {}
    for question in spec.questions:
        for text in {folded(text) for text in question.text.values()}:
            questions[text] = None if text in questions else question.id
        if question.type == "multi":
            options[question.id] = _option_names(question)
    return _Labels(questions, options)


def _option_names(question: Question) -> dict[str, str]:
    names: dict[str, str] = {}
    for option in question.options or ():
        names[option.id] = option.id
        names |= {folded(label): option.id for label in option.label.values()}
    return names


def _target(spec: FormSpec, labels: _Labels, header: str) -> str | Detail | None:
    """The question id (or select-many detail) a header stands for, or ``None``."""
    if header in spec.by_id:
        return header
    names = _NAME.findall(header)
    if len(names) >= 2 and header.endswith(names[-1]):
        group, name = names[-2], names[-1]
        if group in labels.options and name in labels.options[group].values():
            return Detail(group, name)
        if name in spec.by_id:
            return name
    key = folded(header)
    for question, options in labels.options.items():
        for label, option in options.items():
            rest = _ending(key, label)
            if rest and _labelled(labels, rest) == question:
                return Detail(question, option)
    return _labelled(labels, key)


def _labelled(labels: _Labels, key: str) -> str | None:
    """The question whose label ends the folded header, after any group labels; the longest
    label wins, and a label several questions share names none."""
    matches = [
        (len(label), question)
        for label, question in labels.questions.items()
        if question is not None and _ending(key, label) is not None
    ]
    return max(matches)[1] if matches else None


def _ending(key: str, label: str) -> str | None:
    """What comes before ``label`` when ``key`` is ``label`` or ends with a group separator and
    ``label`` (the group labels, separators stripped); ``None`` otherwise."""
    if not key.endswith(label):
        return None
    rest = key[: len(key) - len(label)].rstrip()
    if not rest:
        return ""
    if rest[-1] not in _LABEL_SEPARATORS:
        return None
    return rest.rstrip(_LABEL_SEPARATORS + " ")


def _is_meta(header: str) -> bool:
    key = header.casefold()
    names = _NAME.findall(key)
    return (
        key.startswith("_") or key in META_COLUMNS or (len(names) > 1 and names[0] in META_GROUPS)
    )


def _values(spec: FormSpec) -> dict[str, dict[str, str]]:
    """Per scale question, its points' labels (any language) → the point's number or ``na``;
    per select-many question, its options' names and labels → the option id."""
    out: dict[str, dict[str, str]] = {}
    for question in spec.questions:
        if question.type == "scale" and question.scale:
            scale = spec.questionnaire.scales[question.scale]
            texts = [(str(n), point) for n, point in enumerate(scale.points, start=1)]
            texts += [("na", scale.not_applicable)] if scale.not_applicable else []
            out[question.id] = {folded(t): value for value, point in texts for t in point.values()}
        elif question.type == "multi":
            out[question.id] = _option_names(question)
    return out


def _cell(question: Question, names: dict[str, str], cell: str) -> str:
    """A cell in the reader's terms: a scale point's label as its number, a select-many cell
    of space-separated names or labels as ids joined by ``|``. Anything else is left for the
    reader to accept or to refuse with its reason."""
    key = folded(cell)
    if not key or not names:
        return cell
    if question.type == "scale":
        return names.get(key, cell)
    if MULTI_SEPARATOR not in cell:
        chosen = _segments(key.split(" "), names)
        if chosen is not None:
            return MULTI_SEPARATOR.join(chosen)
    return cell


def _segments(words: list[str], names: dict[str, str]) -> list[str] | None:
    """``words`` read as a run of option names or labels (labels have spaces in them), or
    ``None`` when they are not; the shortest run wins."""
    best: list[list[str] | None] = [None] * (len(words) + 1)
    best[0] = []
    for end in range(1, len(words) + 1):
        for start in range(end):
            before = best[start]
            option = names.get(" ".join(words[start:end]))
            if before is not None and option is not None:
                candidate = [*before, option]
                if best[end] is None or len(candidate) < len(best[end] or ()):
                    best[end] = candidate
    return best[-1]


def _detail(detail: Detail, cell: str) -> str:
    """The option when a detail cell says it was chosen, nothing when not; a cell that says
    neither is passed on as it is, for the reader to refuse."""
    key = folded(cell)
    if key in _CHOSEN:
        return detail.option
    return "" if key in _NOT_CHOSEN else cell
