"""The distribution kit: QR images a real decoder reads back, PDFs whose Vietnamese text extracts."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from survey_server.distribution.kit import kit_links, write_kit, zalo_message
from survey_server.distribution.pdf import PrintItem, render_posters, render_slips
from survey_server.distribution.qr import qr_png
from tests.conftest import FIXTURES, open_survey
from tests.live import BIN

BASE = "https://khaosat.sogd.example.vn"


def decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_png_is_print_resolution_and_decodes() -> None:
    url = f"{BASE}/s/K7M2QXA"
    png = qr_png(url)
    image = Image.open(io.BytesIO(png))
    assert image.width >= 12 / 2.54 * 300  # 12 cm at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    assert decode(png) == [url]
    # still readable when printed small and scanned back at a quarter of the resolution
    small = image.resize((image.width // 8, image.height // 8))
    assert [r.text for r in zxingcpp.read_barcodes(small)] == [url]


async def test_png_kit_decodes_to_links_that_open_the_form(
    client, settings, db, tmp_path: Path
) -> None:
    survey = await open_survey(settings, FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml")
    links = await kit_links(survey.campaign, BASE)
    files = write_kit(links, tmp_path, "png")
    assert files
    for file in files:
        (url,) = decode(file.read_bytes())
        assert url.startswith(f"{BASE}/s/")
        response = await client.get(urlsplit(url).path)
        assert response.status_code == 200 and "Phiếu thử mọi loại câu hỏi" in response.text


def test_pdf_text_is_real_vietnamese_text() -> None:
    from datetime import date

    item = PrintItem(
        "Trường Tiểu học Trần Quốc Toản",
        "Khảo sát sự hài lòng của cha mẹ học sinh",
        f"{BASE}/s/K7M2QXA",
        "K7M2QXA",
        date(2027, 1, 15),
        5,
    )
    posters = PdfReader(io.BytesIO(render_posters([item, item])))
    assert len(posters.pages) == 2
    text = posters.pages[0].extract_text()
    for expected in (
        "Trường Tiểu học Trần Quốc Toản",
        "Khảo sát sự hài lòng của cha mẹ học sinh",
        "Mã khảo sát: K7M2 QXA",
        "Hạn trả lời: ngày 15 tháng 01 năm 2027",
        "Phiếu ẩn danh",
        f"{BASE}/s/K7M2QXA",
    ):
        assert expected in text, expected
    fonts = {str(font) for page in posters.pages for font in page["/Resources"]["/Font"].values()}
    assert fonts  # embedded, not a standard 14 font that lacks Vietnamese letters
    slips = PdfReader(io.BytesIO(render_slips([item], copies=4)))
    assert len(slips.pages) == 1
    assert slips.pages[0].extract_text().count("Mã khảo sát: K7M2 QXA") == 4


def test_poster_pdf_qr_decodes_after_rasterising(tmp_path: Path) -> None:
    from datetime import date

    pdftoppm = Path("/usr/bin/pdftoppm")
    if not pdftoppm.exists():
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    item = PrintItem(
        "Trường THCS Chu Văn An", "Khảo sát", f"{BASE}/s/ABCDEFG", "ABCDEFG", date(2027, 1, 1), 5
    )
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(render_posters([item]))
    subprocess.run(
        [str(pdftoppm), "-r", "100", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    (page,) = tmp_path.glob("page*.png")
    assert decode(page.read_bytes()) == [f"{BASE}/s/ABCDEFG"]


async def test_zalo_message_and_kit_files(settings, db, client, tmp_path: Path) -> None:
    from survey_server.distribution.services import create_links
    from survey_server.distribution.tables import Link

    survey = await open_survey(settings, FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml")
    link = await Link.select(Link.campaign, Link.unit).where(Link.code == survey.link).first()
    await create_links(link["campaign"], [link["unit"]], ("zalo",))
    links = await kit_links(survey.campaign, BASE)
    zalo = next(item for item in links if item.channel == "zalo")
    message = zalo_message(zalo)
    assert zalo.url in message and "Đợt thử nghiệm" in message and "Hạn trả lời: ngày" in message
    # the time promised is the questionnaire's own estimate, the same as on its form
    from survey_server.questionnaires.duration import estimated_minutes
    from survey_server.questionnaires.loader import load_file

    fixture = load_file(FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml").questionnaire
    assert f"khoảng {estimated_minutes(fixture)} phút" in message
    form = await client.get(urlsplit(zalo.url).path)
    assert f"khoảng {estimated_minutes(fixture)} phút" in form.text
    written = {path.name for path in write_kit(links, tmp_path, "pdf")}
    assert written == {"posters.pdf", "slips.pdf", "zalo-messages.txt"}
    assert len(PdfReader(tmp_path / "posters.pdf").pages) == 1  # zalo links are not printed


def test_qr_command_writes_files_and_fails_clearly(tmp_path: Path) -> None:
    from tests.live import prepare

    url = f"sqlite:///{tmp_path / 'kit.db'}"
    prepare(url, tmp_path)
    env = {
        "DATABASE_URL": url,
        "DATA_DIR": str(tmp_path),
        "PUBLIC_BASE_URL": BASE,
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [
            str(BIN),
            "qr",
            "HL-PT-2026",
            "--unit",
            "XA-LECHAN",
            "--format",
            "svg",
            "-o",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    svgs = list((tmp_path / "out").glob("*.svg"))
    assert len(svgs) >= 5 and all(BASE not in p.name for p in svgs)
    missing = subprocess.run(
        [str(BIN), "qr", "KHONG-CO", "-o", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert missing.returncode == 1 and "Không tìm thấy" in missing.stderr


async def test_kit_downloads_through_the_api(client, settings, db) -> None:
    from survey_server.staff.services import create_user
    from tests.staff import PASSWORD, sign_in

    survey = await open_survey(settings, FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml")
    anonymous = await client.get(f"/api/v1/campaigns/{survey.campaign}/posters.pdf")
    assert anonymous.status_code == 401  # posters and slips are for signed-in staff
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    assert (await sign_in(client, "pgd.lechan")).status_code == 303
    png = await client.get(f"/api/v1/links/{survey.link.lower()}/qr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert decode(png.content) == [f"{settings.base_url}/s/{survey.link}"]
    svg = await client.get(f"/api/v1/links/{survey.link}/qr.svg")
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")
    posters = await client.get(f"/api/v1/campaigns/{survey.campaign}/posters.pdf?unit=TH-LC1")
    assert posters.status_code == 200 and posters.headers["content-type"] == "application/pdf"
    assert (
        "Trường Tiểu học Trần Quốc Toản"
        in PdfReader(io.BytesIO(posters.content)).pages[0].extract_text()
    )
    slips = await client.get(f"/api/v1/campaigns/{survey.campaign}/slips.pdf")
    assert slips.status_code == 200
    for path in (
        "/api/v1/links/ZZZZZZZ/qr.png",
        f"/api/v1/links/{survey.link}/qr.gif",
        "/api/v1/campaigns/KHONG/posters.pdf",
        f"/api/v1/campaigns/{survey.campaign}/other.pdf",
        f"/api/v1/campaigns/{survey.campaign}/posters.pdf?unit=THPT-NQ",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["message"]
