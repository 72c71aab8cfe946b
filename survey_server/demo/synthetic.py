"""Synthetic demo responses, so dashboards and reports have something to show.

Each school gets its own satisfaction level and each respondent a mood around it, so the demo
shows real differences between schools and scales that hang together (Cronbach alpha);
answers go through the same validation and writer as real submissions.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Collection
from typing import Any

from survey_server.config import Settings
from survey_server.distribution.codes import RECEIPT_LENGTH, new_code
from survey_server.distribution.tables import Link
from survey_server.questionnaires.schema import Question
from survey_server.questionnaires.services import get_form_spec
from survey_server.responses.validation import FormSpec, validate_answers
from survey_server.responses.writer import SubmissionRow, writer_for
from survey_server.timekeeping import today

CHUNK = 500
COMMENTS = (
    "Nhà trường cần sửa lại nhà vệ sinh cho học sinh.",
    "Cô giáo chủ nhiệm rất tận tâm, gia đình cảm ơn nhà trường.",
    "Đề nghị công khai rõ các khoản thu đầu năm.",
    "Cổng trường giờ tan học rất đông, mong có người hướng dẫn giao thông.",
    "Bữa ăn bán trú cần thêm rau xanh.",
    "Mong nhà trường hạn chế dạy thêm, học thêm.",
)


async def add_synthetic_responses(
    settings: Settings,
    count: int,
    rng: random.Random,
    *,
    campaign: str | None = None,
    units: Collection[str] | None = None,
    channel: str | None = None,
    mood: float | None = None,
) -> int:
    """Store ``count`` plausible responses spread over the links of open campaigns (or of one
    campaign, open or not, and of some units only, of one channel only), around a satisfaction
    ``mood`` (1–5) when given, else around a level drawn for each unit."""
    query = Link.select(
        Link.id,
        Link.code,
        Link.unit,
        Link.channel,
        Link.partner,
        Link.campaign,
        Link.campaign.questionnaire,
        Link.campaign.questionnaire.content_hash,
    )
    if campaign is None:
        query = query.where(Link.campaign.status == "open")
    else:
        query = query.where(Link.campaign.code == campaign)
    if units is not None:
        query = query.where(Link.unit.code.is_in(list(units)))
    if channel is not None:
        query = query.where(Link.channel == channel)
    links = await query
    if not links:
        return 0
    specs = {
        row["campaign.questionnaire.content_hash"]: await get_form_spec(
            row["campaign.questionnaire.content_hash"]
        )
        for row in links
    }
    level = {row["unit"]: mood if mood is not None else rng.uniform(3.2, 4.6) for row in links}
    writer = writer_for(settings.resolved_database_url)
    await writer.start()
    try:
        day = today(settings.timezone)
        for start in range(0, count, CHUNK):
            rows = []
            for _ in range(min(CHUNK, count - start)):
                link = rng.choice(links)
                spec = specs[link["campaign.questionnaire.content_hash"]]
                clean, _ = validate_answers(
                    spec,
                    _answers(spec, level[link["unit"]] + rng.gauss(0, 0.5), rng),
                    drop_hidden=True,
                )
                if clean is None:
                    continue
                rows.append(
                    SubmissionRow(
                        submission_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        receipt=new_code(RECEIPT_LENGTH),
                        campaign=link["campaign"],
                        link=link["id"],
                        unit=link["unit"],
                        channel=link["channel"],
                        partner=link["partner"],
                        questionnaire=link["campaign.questionnaire"],
                        lang="vi",
                        submitted_on=day,
                        duration_bucket=rng.choice((2, 3, 3, 3, 4)),
                        closed=clean.closed,
                        answers=json.dumps(
                            clean.answers, ensure_ascii=False, separators=(",", ":")
                        ),
                    )
                )
            await asyncio.gather(*(writer.write(row) for row in rows))
    finally:
        await writer.stop()
    return count


def _answers(spec: FormSpec, mood: float, rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in spec.questions:
        if rng.random() < 0.05:
            continue
        value = _answer(spec, question, mood, rng)
        if value is not None:
            answers[question.id] = value
    return answers


def _answer(spec: FormSpec, question: Question, mood: float, rng: random.Random) -> Any:
    if question.type == "scale":
        scale = spec.questionnaire.scales[question.scale or ""]
        if scale.not_applicable is not None and rng.random() < 0.03:
            return "na"
        n = len(scale.points)
        return max(1, min(n, round(rng.gauss(mood * n / 5, 0.8))))
    if question.type in ("single", "multi"):
        ids = [option.id for option in question.options or ()]
        if question.type == "single":
            return rng.choice(ids)
        return rng.sample(ids, k=rng.randint(1, min(3, len(ids))))
    if question.type == "yes_no":
        return rng.random() < 0.7
    if question.type == "number":
        low = question.min if question.min is not None else 0
        high = question.max if question.max is not None else 1000
        return rng.randint(int(low), int(min(high, low + 3000)))
    return rng.choice(COMMENTS) if rng.random() < 0.3 else None
