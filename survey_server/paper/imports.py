"""Importing answers typed elsewhere — a school's spreadsheet, a partner's stack of paper forms.

A file is one table, one row per form, one column per question id (our template adds the
questions' labels as a second header row), and a ``unit`` column unless one unit is given for
the whole file. Every row goes through the submission validator (free text through the
scrubber), so an imported form counts exactly like one answered online. All or nothing: one
bad cell and nothing is stored, and the report lists every problem with its row. The same file
imported twice adds nothing: each row's id is derived from the file's content and the row's
number. The rows are stored in one transaction; the link of each (unit, channel, partner) that
files them is created first, like any link, and stays if the import is refused.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from survey_server.bounded import WorkRefused, run_bounded
from survey_server.campaigns.services import get_campaign
from survey_server.distribution.codes import RECEIPT_LENGTH, new_code
from survey_server.distribution.services import CHANNELS, PARTNER_CHANNELS, add_link
from survey_server.distribution.tables import Link
from survey_server.errors import AppError
from survey_server.i18n import N_, gettext
from survey_server.paper import approval
from survey_server.responses.prefill import with_link_answers
from survey_server.responses.tabular import CellError, read_upload
from survey_server.responses.writer import SubmissionRow, store_all
from survey_server.scoring.services import campaign_form
from survey_server.spreadsheet import TableUnreadable
from survey_server.timekeeping import today
from survey_server.units.tables import Unit

UNIT_COLUMN = "unit"
NAMESPACE = uuid.UUID("6f1b4c1e-3c3a-4b7e-9d1c-5a8f0e2b7c41")
CHUNK = 500
#: What reading one file may take in its child process (``survey_server.bounded``): the
#: largest file the limits of ``spreadsheet`` let through reads in well under this.
PARSE_SECONDS = 120.0
PARSE_MEMORY_MB = 1536
#: How many problems a report lists (a file with thousands of bad rows needs fixing as a whole).
PROBLEMS_SHOWN = 200


class ImportInvalid(AppError):
    status_code = 422
    code = "import_invalid"
    message = N_("Tệp {name} có lỗi; chưa nhập phiếu nào.")

    def __init__(self, name: str, problems: Sequence[str]) -> None:
        super().__init__(name=name)
        self.problems = list(problems)


UNREADABLE = {
    "encoding": N_(
        "Dòng 1: không đọc được bảng mã của tệp; hãy lưu dạng CSV UTF-8 hoặc Excel (.xlsx)."
    ),
    "empty": N_("Dòng 1: tệp trống."),
    "xlsx": N_("Dòng 1: tệp Excel bị hỏng hoặc không phải tệp .xlsx."),
    "rows": N_(
        "Tệp có quá nhiều dòng (tối đa 200.000 phiếu một lần nhập); hãy chia thành nhiều tệp."
    ),
    "columns": N_("Dòng 1: tệp có quá nhiều cột (tối đa 500)."),
    "cell": N_("Tệp có ô quá dài (tối đa 10.000 ký tự một ô)."),
    "unpacked": N_("Tệp Excel giải nén ra quá lớn (tối đa 200 MB); hãy chia thành nhiều tệp."),
    "time": N_(
        "Đọc tệp mất quá nhiều thời gian nên đã dừng; hãy chia thành nhiều tệp nhỏ hơn rồi nhập "
        "lần lượt."
    ),
    "memory": N_(
        "Tệp cần quá nhiều bộ nhớ để đọc nên đã dừng; hãy chia thành nhiều tệp nhỏ hơn rồi nhập "
        "lần lượt."
    ),
    "tcvn3": N_(
        "Dòng 1: văn bản được gõ bằng bảng mã cũ TCVN3 (ABC); hãy chuyển sang Unicode (ví dụ "
        "bằng công cụ chuyển mã của Unikey) rồi lưu lại."
    ),
    "vni": N_(
        "Dòng 1: văn bản được gõ bằng bảng mã cũ VNI; hãy chuyển sang Unicode (ví dụ bằng công "
        "cụ chuyển mã của Unikey) rồi lưu lại."
    ),
}


@dataclass(frozen=True)
class Typist:
    """Who imports a file: an account's name, whose staff it is (``approval``) and its team.
    The command line imports as the office that runs the server."""

    username: str = "(dòng lệnh)"
    kind: str = approval.OFFICE
    team: str = ""


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    already: int  # rows of a file imported before
    blank: int


async def import_file(
    campaign_code: str,
    data: bytes,
    name: str,
    *,
    unit_code: str | None = None,
    channel: str = "paper",
    partner: str | None = None,
    typist: Typist = Typist(),
    database_url: str,
    scope_path: str | None = None,
    timezone: str = "Asia/Ho_Chi_Minh",
    lang: str = "vi",
) -> ImportOutcome:
    """Store every row of ``data`` as a response of the campaign, or nothing at all.

    ``scope_path`` limits the units a row may name (a user's subtree); ``partner`` is the
    organisation that collected the forms. Forms are dated the day they are imported. The
    rows of each unit are one paper batch named after the file's digest; a file imported by
    a school's own staff waits for approval (``approval``).
    """
    campaign = await get_campaign(campaign_code)
    problems = _setting_problems(campaign, channel, partner, lang)
    if problems:
        raise ImportInvalid(name, problems)
    spec = await campaign_form(campaign)
    try:
        answers, problems = await run_bounded(
            read_upload, spec, data, name, lang, PROBLEMS_SHOWN,
            seconds=PARSE_SECONDS, memory_mb=PARSE_MEMORY_MB,
        )  # fmt: skip
    except TableUnreadable as error:
        raise ImportInvalid(name, [gettext(UNREADABLE[error.code], lang)]) from None
    except WorkRefused as error:
        raise ImportInvalid(name, [gettext(UNREADABLE[error.reason], lang)]) from None
    units = await _units(campaign, scope_path)
    rows: list[tuple[Any, int]] = []
    for row in answers.rows:
        code = (row.other.get(UNIT_COLUMN) or unit_code or "").strip().upper()
        if not code:
            problems.append(
                gettext("Dòng {row}: thiếu mã đơn vị (cột unit hoặc --unit).", lang, row=row.row)
            )
        elif code not in units:
            problems.append(
                gettext(
                    "Dòng {row}: đơn vị '{unit}' không thuộc đợt khảo sát hoặc phạm vi của tài khoản.",
                    lang,
                    row=row.row,
                    unit=code[:40],
                )
            )
        else:
            clean, errors = with_link_answers(spec, row.clean, units[code])
            if clean is None:
                problems += [
                    CellError(row.row, error.field, error).render(lang) for error in errors
                ]
            else:
                rows.append((replace(row, clean=clean), code))
    if problems:
        raise ImportInvalid(name, problems[:PROBLEMS_SHOWN])
    digest = hashlib.sha256(data).hexdigest()
    day = today(timezone)
    links = {
        unit: await _link(campaign["code"], unit, channel, partner) for unit in {u for _, u in rows}
    }
    held = approval.held_state(typist.kind)
    batches = {
        unit: await approval.batch_for(
            campaign_id=campaign["id"],
            unit_id=link["unit"],
            team=typist.team,
            partner=partner,
            name=f"TEP-{digest[:8].upper()}",
            source="import",
            kind=typist.kind,
            typist=typist.username,
        )
        for unit, link in links.items()
    }
    stored = [
        SubmissionRow(
            submission_id=_row_id(campaign["code"], links[unit], channel, partner, digest, row.row),
            receipt=new_code(RECEIPT_LENGTH),
            campaign=campaign["id"],
            link=links[unit]["id"],
            unit=links[unit]["unit"],
            channel=channel,
            partner=partner,
            questionnaire=campaign["questionnaire"],
            lang=lang,
            submitted_on=day,
            duration_bucket=0,
            closed=row.clean.closed,
            answers=json.dumps(row.clean.answers, ensure_ascii=False, separators=(",", ":")),
            held=held,
            paper_batch=batches[unit],
        )
        for row, unit in rows
    ]
    added = await store_all(database_url, stored)
    await approval.recount(batches.values())
    return ImportOutcome(added, len(rows) - added, answers.blank_rows)


def _row_id(
    campaign_code: str,
    link: dict[str, Any],
    channel: str,
    partner: str | None,
    digest: str,
    row: int,
) -> str:
    """A row's response id: the same file imported again for the same unit, channel and
    partner adds nothing, while the same file imported by two schools (each with its own
    ``--unit``) or by two partners stores the forms of both."""
    key = f"{campaign_code}|{link['unit']}|{channel}|{partner or ''}|{digest}|{row}"
    return str(uuid.uuid5(NAMESPACE, key))


def _setting_problems(
    campaign: dict[str, Any], channel: str, partner: str | None, lang: str
) -> list[str]:
    problems = []
    if campaign["status"] == "draft":
        problems.append(
            gettext("Đợt khảo sát còn là bản nháp; hãy mở đợt trước khi nhập phiếu.", lang)
        )
    elif campaign["status"] != "open":
        problems.append(
            gettext(
                "Đợt khảo sát đã kết thúc nên không nhận thêm phiếu; phiếu đến muộn chỉ được nhập "
                "khi đợt được mở lại.",
                lang,
            )
        )
    if channel not in CHANNELS:
        problems.append(
            gettext(
                "Kênh '{channel}' không hợp lệ; chọn một trong: {choices}.",
                lang,
                channel=channel[:20],
                choices=", ".join(CHANNELS),
            )
        )
    if partner and channel not in PARTNER_CHANNELS:
        problems.append(
            gettext("Chỉ phiếu giấy và kênh đối tác mới ghi tên tổ chức đối tác.", lang)
        )
    return problems


async def _units(campaign: dict[str, Any], scope_path: str | None) -> dict[str, str | None]:
    """The units a row may name (inside the campaign and the user's scope): code → school
    level (a class's is its school's), which answers the level question of its forms."""
    root = str(campaign["root_unit_path"])
    path = scope_path if scope_path and scope_path.startswith(root) else root
    rows = await Unit.select(Unit.code, Unit.level, Unit.parent.level).where(
        Unit.path.like(f"{path}%")
    )
    return {row["code"]: row["level"] or row["parent.level"] for row in rows}


async def _link(campaign: str, unit: str, channel: str, partner: str | None) -> dict[str, Any]:
    """The link the forms of a unit are filed under (created once, like any other link)."""
    code = await add_link(campaign, unit, channel, partner)
    return await Link.select(Link.id, Link.unit).where(Link.code == code).first()  # type: ignore[return-value]
