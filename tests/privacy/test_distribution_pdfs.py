"""Posters and slips of a campaign: for signed-in staff of the unit, never of a draft, and the
only name they print is the unit's (no label, no partner, no person). Both engines."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from survey_server.config import Settings
from survey_server.distribution.services import add_link
from survey_server.staff.services import create_user
from tests.conftest import FIXTURES, Database, open_survey
from tests.staff import PASSWORD, sign_in

PERSON = "Nguyễn Văn An 9A"
PARTNER = "Hội Liên hiệp Phụ nữ phường Lê Chân"
KINDS = ("posters", "slips")


def pdf_text(content: bytes, workdir: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    pdf = workdir / "kit.pdf"
    pdf.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    return " ".join(text.split())


@pytest.fixture
async def campaigns(settings: Settings, db: Database) -> None:
    fixture = FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml"
    await open_survey(settings, fixture, code="MO")
    await open_survey(settings, fixture, code="NHAP", status="draft")
    for code in ("MO", "NHAP"):
        await add_link(code, "TH-LC1-1A", "qr_meeting", label=PERSON)
        await add_link(code, "TH-LC1", "partner", partner=PARTNER)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("ht.th-lc2", "principal", "TH-LC2", PASSWORD)
    await create_user("hoi.phunu", "partner", "XA-LECHAN", PASSWORD, PARTNER)


@pytest.mark.parametrize("kind", KINDS)
async def test_anonymous_requests_get_nothing(
    client: httpx.AsyncClient, campaigns: None, kind: str
) -> None:
    for query in ("", "?unit=TH-LC1", "?unit=TH-LC1-1A&lang=en"):
        response = await client.get(f"/api/v1/campaigns/MO/{kind}.pdf{query}")
        assert response.status_code in (401, 403, 404), query
        assert not response.content.startswith(b"%PDF")


@pytest.mark.parametrize("kind", KINDS)
async def test_staff_of_the_unit_get_the_unit_name_only(
    client: httpx.AsyncClient, campaigns: None, kind: str, tmp_path: Path
) -> None:
    assert (await sign_in(client, "ht.th-lc1")).status_code == 303
    response = await client.get(f"/api/v1/campaigns/MO/{kind}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content, tmp_path)
    assert "Trường Tiểu học Trần Quốc Toản" in text and "Lớp 1A" in text
    for name in (PERSON, "Nguyễn Văn An", PARTNER, "Phụ nữ"):
        assert name not in text
    # outside the account's scope, and a draft even inside it: as if it did not exist
    for path in (
        f"/api/v1/campaigns/MO/{kind}.pdf?unit=TH-LC2",
        f"/api/v1/campaigns/MO/{kind}.pdf?unit=SO-HP",
        f"/api/v1/campaigns/NHAP/{kind}.pdf",
        f"/api/v1/campaigns/NHAP/{kind}.pdf?unit=TH-LC1-1A",
        f"/api/v1/campaigns/KHONG-CO/{kind}.pdf",
        f"/api/v1/campaigns/MO/{kind}.pdf?unit=KHONG%00CO",
        f"/api/v1/campaigns/%00/{kind}.pdf",
    ):
        refused = await client.get(path)
        assert refused.status_code == 404, path
        assert refused.json()["message"]


async def test_other_schools_and_partners_see_their_own_links_only(
    client: httpx.AsyncClient, campaigns: None, tmp_path: Path
) -> None:
    assert (await sign_in(client, "ht.th-lc2")).status_code == 303
    assert (await client.get("/api/v1/campaigns/MO/posters.pdf")).status_code == 404
    client.cookies.clear()
    assert (await sign_in(client, "hoi.phunu")).status_code == 303
    response = await client.get("/api/v1/campaigns/MO/posters.pdf")
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert text.count("Mã khảo sát:") == 1  # the partner's one link, not the school's others
    assert "Trường Tiểu học Trần Quốc Toản" in text and PARTNER not in text
    draft = await client.get("/api/v1/campaigns/NHAP/slips.pdf")
    assert draft.status_code == 404
