"""``survey-server purge`` removes free text past its retention period, and only that."""

from __future__ import annotations

import json
from datetime import timedelta

from survey_server.campaigns.tables import Campaign
from survey_server.privacy.retention import purge_expired_text
from survey_server.responses.tables import Submission
from survey_server.timekeeping import today
from tests.conftest import new_id


async def test_expired_text_is_removed_and_closed_answers_stay(client, survey, settings) -> None:
    for text in ("Sân trường cần thêm cây xanh", "Cảm ơn nhà trường"):
        body = {
            "link": survey.link,
            "submission_id": new_id(),
            "answers": {"loai": "gop_y", "noi_dung": text, "tc1": 4},
        }
        assert (await client.post("/api/v1/responses", json=body)).status_code == 201
    day = today(settings.timezone)
    old = (await Submission.select(Submission.id).order_by(Submission.id).first())["id"]
    await Submission.update({Submission.submitted_on: day - timedelta(days=800)}).where(
        Submission.id == old
    )

    assert [o.responses for o in await purge_expired_text(day, dry_run=True)] == [1]
    assert [o.responses for o in await purge_expired_text(day)] == [1]
    assert [o.responses for o in await purge_expired_text(day)] == [0]  # safe to run daily
    rows = {
        row["id"]: json.loads(row["answers"])
        for row in await Submission.select(Submission.id, Submission.answers)
    }
    assert rows[old] == {"loai": "gop_y", "tc1": 4}
    assert [answers.get("noi_dung") for key, answers in rows.items() if key != old] == [
        "Cảm ơn nhà trường"
    ]

    await Campaign.update({Campaign.comment_retention_days: 0}).where(
        Campaign.code == survey.campaign
    )
    assert [o.responses for o in await purge_expired_text(day + timedelta(days=1))] == [1]
