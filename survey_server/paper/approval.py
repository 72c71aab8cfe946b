"""Paper under a second pair of eyes: a school's own typing counts once someone else approves it.

Paper results count in the evaluation of the school that hands the forms out, so forms typed in
or imported by the school's own staff (a principal's account) wait, out of every number, until an
account of another organisation (a partner) or of an office above the school approves their
batch. Forms typed by an office or by a partner count at once: they are the second pair of eyes.
Every batch is traceable — who brought its forms in, who approved them, when, how many — and
nothing in it says anything about a respondent.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from survey_server.campaigns.tables import Campaign
from survey_server.errors import AppError, NotFound
from survey_server.i18n import N_
from survey_server.paper.tables import PaperBatch
from survey_server.responses.tables import Submission
from survey_server.staff.services import Scope
from survey_server.units.tables import Unit

SCHOOL, OFFICE, PARTNER = "school", "office", "partner"
#: How a batch's forms were brought in.
SOURCES = ("entry", "double", "import")
HELD, COUNTS = 1, 0


class ApprovalRefused(AppError):
    status_code = 409
    code = "approval_refused"
    message = N_("Chưa duyệt được lô phiếu: {detail}")


def typist_kind(scope: Scope) -> str:
    """Whose staff bring forms in: a principal's account is the school itself."""
    if scope.role == "principal":
        return SCHOOL
    return PARTNER if scope.role == "partner" else OFFICE


def held_state(kind: str) -> int:
    """Whether forms brought in by ``kind`` wait for approval (``HELD``) or count (``COUNTS``)."""
    return HELD if kind == SCHOOL else COUNTS


async def batch_for(
    *,
    campaign_id: int,
    unit_id: int,
    team: str,
    partner: str | None,
    name: str,
    source: str,
    kind: str,
    typist: str,
) -> int:
    """The batch forms are filed in (made the first time; one per campaign, unit, team,
    partner, name and source), with ``typist`` added to who brought its forms in."""
    where = (
        (PaperBatch.campaign == campaign_id)
        & (PaperBatch.unit == unit_id)
        & (PaperBatch.team == team)
        & (PaperBatch.partner == partner if partner else PaperBatch.partner.is_null())
        & (PaperBatch.name == name)
        & (PaperBatch.source == source)
    )
    row = await PaperBatch.select(PaperBatch.id, PaperBatch.typed_by).where(where).first()
    if row is None:
        batch = PaperBatch(
            campaign=campaign_id,
            unit=unit_id,
            team=team,
            partner=partner,
            name=name,
            source=source,
            typist_kind=kind,
            typed_by=typist[:200],
            typed_at=int(time.time()),
        )
        await batch.save()
        return int(batch.id)
    typists = [name for name in row["typed_by"].split(", ") if name]
    if typist and typist not in typists:
        joined = ", ".join([*typists, typist])[:200]
        await PaperBatch.update({PaperBatch.typed_by: joined}).where(PaperBatch.id == row["id"])
    return int(row["id"])


async def recount(batch_ids: Iterable[int]) -> None:
    """Bring batches' counts of forms and of waiting forms up to date from the responses
    filed in them (along the ``submission.paper_batch`` index): right after any store, and
    right whatever else was stored meanwhile."""
    for batch_id in sorted(set(batch_ids)):
        await PaperBatch.raw(
            "UPDATE paper_batch SET "
            "forms = (SELECT COUNT(*) FROM submission WHERE paper_batch = {}), "
            "pending = (SELECT COUNT(*) FROM submission WHERE paper_batch = {} AND held = {}) "
            "WHERE id = {}",
            batch_id,
            batch_id,
            HELD,
            batch_id,
        )


async def may_approve(scope: Scope, batch: dict[str, Any]) -> bool:
    """Whether ``scope`` is the second pair of eyes a batch of the school's own typing needs:
    a partner account reaching its unit, or an office account whose unit is above the unit of
    the account that typed it. Never a principal, never the typist's own unit."""
    if batch["typist_kind"] != SCHOOL or not str(batch["unit_path"]).startswith(scope.unit_path):
        return False
    if scope.role == "partner":
        return True
    if scope.role not in ("admin", "staff"):
        return False
    typist_unit = int(str(batch["team"]).split("|")[0] or 0)
    row = await Unit.select(Unit.path).where(Unit.id == typist_unit).first()
    typist_path = str(row["path"]) if row else ""
    return (
        bool(typist_path)
        and typist_path.startswith(scope.unit_path)
        and (typist_path != scope.unit_path)
    )


BATCH_COLUMNS = (
    PaperBatch.id,
    PaperBatch.name,
    PaperBatch.source,
    PaperBatch.typist_kind,
    PaperBatch.team,
    PaperBatch.partner,
    PaperBatch.typed_by,
    PaperBatch.typed_at,
    PaperBatch.forms,
    PaperBatch.pending,
    PaperBatch.approved_by,
    PaperBatch.approved_at,
    PaperBatch.unit.code.as_alias("unit_code"),
    PaperBatch.unit.name.as_alias("unit_name"),
    PaperBatch.unit.path.as_alias("unit_path"),
)


async def batches(campaign_id: int, unit_path: str) -> list[dict[str, Any]]:
    """Every batch of a campaign under a unit, newest first: the paper trail of the campaign."""
    return await (
        PaperBatch.select(*BATCH_COLUMNS)
        .where((PaperBatch.campaign == campaign_id) & PaperBatch.unit.path.like(f"{unit_path}%"))
        .order_by(PaperBatch.id, ascending=False)
    )


async def pending_forms(campaign_id: int, unit_path: str = "") -> int:
    """How many paper forms of a campaign (under a unit) still wait for approval."""
    rows = await PaperBatch.raw(
        "SELECT COALESCE(SUM(b.pending), 0) AS n FROM paper_batch b JOIN unit u ON u.id = b.unit "
        "WHERE b.campaign = {} AND u.path LIKE {}",
        campaign_id,
        f"{unit_path}%",
    )
    return int(rows[0]["n"])


async def approve(scope: Scope, campaign_id: int, batch_id: int) -> int:
    """Count the waiting forms of a batch; how many. Refused while the campaign is not open
    (after the close nothing is added) and to anyone who is not a second pair of eyes."""
    batch = (
        await PaperBatch.select(*BATCH_COLUMNS)
        .where((PaperBatch.id == batch_id) & (PaperBatch.campaign == campaign_id))
        .first()
    )
    if batch is None or not str(batch["unit_path"]).startswith(scope.unit_path):
        raise NotFound()
    if not await may_approve(scope, batch):
        raise ApprovalRefused(
            detail=N_(
                "lô do chính nhà trường nhập phải được một tổ chức khác hoặc cơ quan cấp trên duyệt"
            )
        )
    status = await Campaign.select(Campaign.status).where(Campaign.id == campaign_id).first()
    if status is None or status["status"] != "open":
        raise ApprovalRefused(
            detail=N_("đợt khảo sát đã kết thúc; phiếu chưa được duyệt không được tính")
        )
    async with PaperBatch._meta.db.transaction():
        counted = await Submission.raw(
            "UPDATE submission SET held = {} WHERE paper_batch = {} AND held = {} RETURNING id",
            COUNTS,
            batch_id,
            HELD,
        )
        await PaperBatch.update(
            {
                PaperBatch.approved_by: scope.username,
                PaperBatch.approved_at: int(time.time()),
            }
        ).where(PaperBatch.id == batch_id)
    await recount([batch_id])
    return len(counted)
