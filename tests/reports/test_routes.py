"""The report from the command line, the API and the workspace page (both engines)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from docx import Document
from pypdf import PdfReader

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.i18n import format_share
from survey_server.scoring.services import campaign_scores
from survey_server.staff.services import create_user
from survey_server.staff.tables import AuditEvent
from survey_server.timekeeping import today
from tests.conftest import Database
from tests.releases import meeting_answers
from tests.reports.draft import TOPIC_HEADING, build_draft
from tests.staff import PASSWORD, csrf_of, sign_in

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings, responses=900)
    await meeting_answers(settings, "HL-PT-2026", ["TH-LC1", "TH-LC2", "THCS-LC1"], 90)
    await create_user("so.admin", "admin", "SO-HP", PASSWORD)
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await create_user("mttq.lechan", "partner", "XA-LECHAN", PASSWORD, "Ủy ban MTTQ phường Lê Chân")
    return settings


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


async def test_api_gives_the_section_for_a_period(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "pgd.lechan")
    year = today(province.timezone).year
    response = await client.get("/api/v1/reports", params={"period": str(year)})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX
    assert "attachment" in response.headers["content-disposition"]
    assert f"xa-lechan-{year}.docx" in response.headers["content-disposition"]
    text = docx_text(response.content)
    view = await campaign_scores("HL-PT-2026", "XA-LECHAN")
    assert format_share(view["overall"]["index"] / 100) in text
    events = await AuditEvent.select().where(AuditEvent.action == "report")
    assert len(events) == 1 and '"unit": "XA-LECHAN"' in events[0]["detail"]


BAD_REQUESTS = [
    ({"period": "2026-H3"}, 422),
    ({"period": "năm ngoái"}, 422),
    ({"period": "2026", "format": "odt"}, 422),
    ({}, 422),
    ({"period": "2026", "campaign": "HL-PT-2026"}, 422),
    ({"period": "1999"}, 404),
    ({"campaign": "KHONG-CO"}, 404),
    ({"period": "2026", "unit": "TH-AL1"}, 404),
    ({"period": "2026", "unit": "\x00"}, 404),
]


async def test_api_refuses_bad_requests_with_a_message(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "pgd.lechan")
    for params, status in BAD_REQUESTS:
        response = await client.get("/api/v1/reports", params=params)
        assert response.status_code == status, (params, response.text)
        assert response.json()["errors"] or response.json()["message"]


async def test_partners_and_strangers_get_no_report(
    client: httpx.AsyncClient, province: Settings
) -> None:
    assert (await client.get("/api/v1/reports", params={"period": "2026"})).status_code == 401
    await sign_in(client, "mttq.lechan")
    assert (await client.get("/api/v1/reports", params={"period": "2026"})).status_code == 403
    assert (await client.get("/staff/reports")).status_code == 403


async def test_the_page_makes_the_report_and_inserts_it_into_a_draft(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "so.admin")
    page = await client.get(
        "/staff/reports", params={"unit": "XA-LECHAN", "campaign": "HL-PT-2026"}
    )
    assert page.status_code == 200 and 'value="HL-PT-2026" checked' in page.text
    response = await client.post(
        "/staff/reports",
        data={
            "csrf": csrf_of(page.text),
            "unit": "XA-LECHAN",
            "campaign": "HL-PT-2026",
            "format": "docx",
        },
        files={"into": ("du-thao.docx", build_draft(placeholder=True), DOCX)},
    )
    assert response.status_code == 200, response.text
    text = docx_text(response.content)
    assert TOPIC_HEADING in text and "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, TRIỂN KHAI" in text
    assert "a) Công tác tổ chức lấy ý kiến" in text and "{{LANG_NGHE_Y_KIEN}}" not in text


async def test_the_page_explains_what_is_wrong_and_keeps_what_was_typed(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "so.admin")
    page = await client.get("/staff/reports")
    token = csrf_of(page.text)
    wrong = await client.post(
        "/staff/reports", data={"csrf": token, "unit": "SO-HP", "period": "2026-H7"}
    )
    assert wrong.status_code == 422
    assert "Kỳ báo cáo" in wrong.text and 'value="2026-H7"' in wrong.text
    not_docx = await client.post(
        "/staff/reports",
        data={"csrf": token, "unit": "SO-HP", "period": "2026"},
        files={"into": ("bao-cao.docx", b"not a document", DOCX)},
    )
    assert not_docx.status_code == 422 and "bao-cao.docx" in not_docx.text
    markdown_into = await client.post(
        "/staff/reports",
        data={"csrf": token, "unit": "SO-HP", "period": "2026", "format": "md"},
        files={"into": ("du-thao.docx", build_draft(placeholder=True), DOCX)},
    )
    assert markdown_into.status_code == 422 and "docx" in markdown_into.text
    markdown = await client.post(
        "/staff/reports", data={"csrf": token, "unit": "SO-HP", "period": "2026", "format": "md"}
    )
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"  # one charset
    forged = await client.post("/staff/reports", data={"unit": "SO-HP", "period": "2026"})
    assert forged.status_code == 403


def run_cli(db: Database, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": db.url, "DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "survey_server", "report", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


async def test_command_writes_a_new_file_and_leaves_the_draft_alone(
    province: Settings, db: Database, tmp_path: Path
) -> None:
    draft = tmp_path / "du-thao.docx"
    draft.write_bytes(build_draft(placeholder=False))
    digest = hashlib.sha256(draft.read_bytes()).hexdigest()
    out = tmp_path / "bao-cao.docx"
    year = str(today(province.timezone).year)
    done = run_cli(
        db, tmp_path, "--scope", "XA-LECHAN", "--period", year, "--into", str(draft), "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(draft.read_bytes()).hexdigest() == digest
    text = docx_text(out.read_bytes())
    assert TOPIC_HEADING in text and "a) Công tác tổ chức lấy ý kiến" in text
    markdown = tmp_path / "bao-cao.md"
    done = run_cli(
        db,
        tmp_path,
        "--scope",
        "XA-LECHAN",
        "--campaign",
        "HL-PT-2026,DT-2026",
        "-o",
        str(markdown),
    )
    assert done.returncode == 0, done.stderr
    assert markdown.read_text(encoding="utf-8").count("### ") >= 2


CLI_ERRORS = [
    (("--scope", "KHONG-CO", "--period", "2026"), "Không tìm thấy đơn vị"),
    (("--scope", "SO-HP", "--period", "2026-13"), "Kỳ báo cáo"),
    (("--scope", "SO-HP"), "cần chọn kỳ báo cáo"),
    (("--scope", "SO-HP", "--period", "2026", "--format", "md", "--into", "{draft}"), "docx"),
    (("--scope", "SO-HP", "--period", "2026", "--into", "{out}"), "Không ghi đè tệp gốc"),
    (("--scope", "SO-HP", "--period", "2026", "--into", "{text}"), "không phải là tệp Word"),
]


async def test_command_errors_are_messages_and_write_nothing(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    if db.kind != "sqlite":
        pytest.skip("the command checks its input before the engine matters; one engine is enough")
    await prepare_demo(settings)
    out = tmp_path / "bao-cao.docx"
    (tmp_path / "du-thao.docx").write_bytes(build_draft(placeholder=True))
    (tmp_path / "ghi-chu.docx").write_text("không phải docx", encoding="utf-8")
    paths = {
        "{draft}": tmp_path / "du-thao.docx",
        "{out}": out,
        "{text}": tmp_path / "ghi-chu.docx",
    }
    for args, message in CLI_ERRORS:
        out.write_bytes(b"keep me")
        done = run_cli(db, tmp_path, *(str(paths.get(a, a)) for a in args), "-o", str(out))
        assert done.returncode != 0, args
        assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert out.read_bytes() == b"keep me"
        assert not list(tmp_path.glob(".*.tmp"))


async def test_the_section_and_the_draft_with_it_come_as_a_pdf_to_sign(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "so.admin")
    token = csrf_of((await client.get("/staff/reports")).text)
    alone = await client.post(
        "/staff/reports", data={"csrf": token, "unit": "SO-HP", "period": "2026", "format": "pdf"}
    )
    assert alone.status_code == 200, alone.text[:300]
    assert alone.headers["content-type"] == "application/pdf"
    assert alone.content.startswith(b"%PDF")
    text = " ".join(PdfReader(io.BytesIO(alone.content)).pages[0].extract_text().split())
    assert "SỞ GIÁO DỤC VÀ ĐÀO TẠO" in text and "Độc lập - Tự do - Hạnh phúc" in text
    drafted = await client.post(
        "/staff/reports",
        data={"csrf": token, "unit": "SO-HP", "period": "2026", "format": "pdf"},
        files={"into": ("du-thao.docx", build_draft(placeholder=True), DOCX)},
    )
    assert drafted.status_code == 200 and drafted.content.startswith(b"%PDF")
