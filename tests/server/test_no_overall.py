"""A satisfaction questionnaire without a general question, along the whole path (both engines):
responses in, then the scores, the API, the dashboard, the public results page, the exports,
the report (Markdown and DOCX) and ``survey-server score`` all say plainly that there is no
general satisfaction index, and none of them shows one, a zero in its place or a 500."""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from survey_server.cli import main
from survey_server.config import Settings
from survey_server.i18n import format_share
from survey_server.scoring.services import campaign_scores
from survey_server.staff.services import create_user
from tests.conftest import FIXTURES, Database, Survey, open_survey
from tests.releases import close_and_publish
from tests.staff import PASSWORD, csrf_of, sign_in

QUESTIONNAIRE = FIXTURES / "questionnaires" / "hai-long-noi-tru.yaml"
CAMPAIGN = "NT-2026"
SCHOOL = "TH-LC1"
SCALES = ("a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2", "e1", "e2")
SAID = "Bảng hỏi không có câu hỏi đánh giá chung; kết quả theo từng tiêu chí."
#: What would claim or show a general index.
GENERAL = ("Chỉ số hài lòng chung", "Tỷ lệ hài lòng nói chung", "tỷ lệ hài lòng chung")


def answers(rng: random.Random) -> dict[str, object]:
    out: dict[str, object] = {q: rng.choice([3, 4, 4, 5, 5, "na"]) for q in SCALES}
    out |= {"mong_doi": rng.randint(60, 120), "quay_lai": "chac_chan_quay_lai"}
    out |= {"biet_qua": ["to_roi", "zalo"]}
    return out


@pytest.fixture
async def hospital(settings: Settings, db: Database, client: httpx.AsyncClient) -> Survey:
    """24 responses to the form without a general question, at one school, campaign closed."""
    survey = await open_survey(settings, QUESTIONNAIRE, code=CAMPAIGN)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await create_user("ht.th-lc1", "principal", SCHOOL, PASSWORD)
    await create_user("ht.th-lc2", "principal", "TH-LC2", PASSWORD)
    rng = random.Random(7)
    for _ in range(24):
        response = await client.post(
            "/api/v1/responses",
            json={"link": survey.link, "submission_id": str(uuid.uuid4()), "answers": answers(rng)},
        )
        assert response.status_code == 201, response.text
    await close_and_publish(CAMPAIGN)
    return survey


async def test_scores_hold_no_general_index(hospital: Survey) -> None:
    view = await campaign_scores(CAMPAIGN, SCHOOL)
    assert view["n"] == 24
    overall = view["overall"]
    assert overall["general_question"] is None and overall["general"] is None
    assert overall["index"] is not None and overall["index"] > 0  # the weighted dimensions
    assert [d["id"] for d in view["dimensions"]] == [
        "tiep_can",
        "minh_bach",
        "co_so_vat_chat",
        "thai_do",
        "ket_qua",
    ]
    assert view["response_rate"] is None or view["response_rate"]["margin_of_error"] > 0


async def test_api_says_it_and_other_scopes_get_not_found(
    client: httpx.AsyncClient, hospital: Survey
) -> None:
    await sign_in(client, "ht.th-lc1")
    response = await client.get(f"/api/v1/campaigns/{CAMPAIGN}/scores")
    assert response.status_code == 200
    assert response.json()["overall"]["general_question"] is None
    await client.post("/staff/logout", data={"csrf": csrf_of((await client.get("/staff")).text)})
    await sign_in(client, "ht.th-lc2")
    assert (await client.get(f"/api/v1/campaigns/{CAMPAIGN}/scores")).status_code == 404
    assert (await client.get(f"/staff/campaigns/{CAMPAIGN}")).status_code == 404


async def test_dashboard_says_it(client: httpx.AsyncClient, hospital: Survey) -> None:
    await sign_in(client, "pgd.lechan")
    page = await client.get(f"/staff/campaigns/{CAMPAIGN}", params={"unit": SCHOOL})
    assert page.status_code == 200
    assert SAID in page.text
    assert not any(text in page.text for text in GENERAL)
    view = await campaign_scores(CAMPAIGN, SCHOOL)
    assert format_share(view["overall"]["index"] / 100) in page.text


async def test_public_results_say_it(client: httpx.AsyncClient, hospital: Survey) -> None:
    page = await client.get(f"/r/{hospital.link}")
    assert page.status_code == 200
    assert SAID in page.text
    assert not any(text in page.text for text in GENERAL)
    assert "Chỉ số hài lòng tổng hợp" in page.text


async def test_exports_say_it_in_the_column(client: httpx.AsyncClient, hospital: Survey) -> None:
    await sign_in(client, "ht.th-lc1")
    response = await client.get(f"/staff/campaigns/{CAMPAIGN}/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    column = rows[0].index("Chỉ số hài lòng chung (%)")
    assert rows[1][0] == SCHOOL and rows[1][column] == "không có câu hỏi chung"
    workbook = await client.get(f"/staff/campaigns/{CAMPAIGN}/export.xlsx")
    assert workbook.status_code == 200
    sheet = list(load_workbook(io.BytesIO(workbook.content), read_only=True).active.values)
    assert sheet[1][0] == SCHOOL and sheet[1][column] == "không có câu hỏi chung"


async def test_report_says_it_and_claims_no_general_index(
    client: httpx.AsyncClient, hospital: Survey
) -> None:
    await sign_in(client, "so.admin")
    form = {"unit": SCHOOL, "campaign": CAMPAIGN, "format": "md"}
    token = csrf_of((await client.get("/staff/reports")).text)
    markdown = await client.post("/staff/reports", data={"csrf": token, **form})
    assert markdown.status_code == 200, markdown.text
    text = markdown.text
    docx = await client.get(
        "/api/v1/reports", params={"unit": SCHOOL, "campaign": CAMPAIGN, "format": "docx"}
    )
    assert docx.status_code == 200, docx.text
    document = Document(io.BytesIO(docx.content))
    body = "\n".join(p.text for p in document.paragraphs)
    body += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    for written in (text, body):
        assert SAID in written
        assert not any(claim in written for claim in GENERAL)
        assert "câu hỏi đánh giá chung, " not in written  # the ends of a general question


def test_score_command_says_it(tmp_path: Path) -> None:
    rng = random.Random(3)
    lines = [",".join(SCALES)]
    lines += [",".join(str(rng.choice([3, 4, 5, "na"])) for _ in SCALES) for _ in range(15)]
    path = tmp_path / "phieu.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    common = ["score", "--questionnaire", str(QUESTIONNAIRE), "--responses", str(path)]
    summary = CliRunner().invoke(main, common)
    assert summary.exit_code == 0, summary.output
    assert SAID in summary.stdout and "Chỉ số hài lòng chung" not in summary.stdout
    scores = json.loads(CliRunner().invoke(main, [*common, "--json"]).stdout)
    assert scores["overall"]["general_question"] is None and scores["overall"]["general"] is None
