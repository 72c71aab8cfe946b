"""Typing paper forms in the workspace: single entry, double entry compared before a batch
counts, the checks, printing and templates, and who may do what (both engines)."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from survey_server.campaigns.services import set_status
from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.paper.tables import PaperEntry
from survey_server.responses.tables import Submission
from survey_server.staff.services import create_user
from tests.conftest import Database
from tests.staff import PASSWORD, csrf_of, reopen_campaign, sign_in

ENTRY = "/staff/campaigns/HL-PT-2026/entry"
PARTNER = "Ủy ban MTTQ phường Lê Chân"


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings)
    await create_user("nhap.mot", "staff", "XA-LECHAN", PASSWORD)
    await create_user("nhap.hai", "staff", "XA-LECHAN", PASSWORD)
    await create_user("nhap.ba", "staff", "XA-LECHAN", PASSWORD)
    await create_user("mttq.lechan", "partner", "XA-LECHAN", PASSWORD, PARTNER)
    await create_user("pgd.anlao", "staff", "XA-ANLAO", PASSWORD)
    return settings


async def open_entry(client: httpx.AsyncClient, batch: str, entry_pass: str, **extra: str) -> str:
    params = {"unit": "TH-LC1", "batch": batch, "entry_pass": entry_pass, "form": "0001", **extra}
    page = await client.get(ENTRY, params=params)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def type_pass(client: httpx.AsyncClient, user: str, batch: str, entry_pass: str) -> str:
    """One pass of form 0001 of ``batch`` typed by ``user``; the page's token."""
    client.cookies.clear()
    await sign_in(client, user)
    token = await open_entry(client, batch, entry_pass)
    saved = await client.post(ENTRY, data=typed(token, batch, entry_pass, "0001"))
    assert saved.status_code == 303
    return token


def typed(token: str, batch: str, entry_pass: str, form: str, **answers: str) -> dict[str, str]:
    return {
        "csrf": token, "unit": "TH-LC1", "batch": batch, "entry_pass": entry_pass, "form": form,
        "tc1": "5", "tc2": "4", "tc3": "0", "cap_hoc": "1", **answers,
    }  # fmt: skip


async def test_single_entry_stores_a_response_once(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "nhap.mot")
    token = await open_entry(client, "LO-01", "0", partner=PARTNER)
    form = typed(token, "LO-01", "0", "0001", partner=PARTNER, gop_y="Cô Lan gọi 0912 345 678 ạ")
    saved = await client.post(ENTRY, data=form)
    assert saved.status_code == 303
    assert "form=0002" in saved.headers["location"] and "saved=0001" in saved.headers["location"]
    again = await client.post(ENTRY, data=form)
    assert "saved=0001%21" in again.headers["location"]  # typed twice: not stored twice
    rows = await Submission.select()
    assert len(rows) == 1
    row = rows[0]
    assert (row["channel"], row["partner"]) == ("paper", None)  # an office types as itself
    answers = json.loads(row["answers"])
    assert answers["tc1"] == 5 and answers["tc3"] == "na" and answers["cap_hoc"] == "tieu_hoc"
    assert "0912" not in answers["gop_y"] and "Lan" not in answers["gop_y"]
    page = await client.get(saved.headers["location"])
    assert "Đã lưu phiếu số 0001." in page.text


async def test_a_primary_school_form_is_a_primary_parent_s(
    client: httpx.AsyncClient, province: Settings
) -> None:
    """Left blank, the level is the school's; typed as another level, the form is refused next
    to the box (a typing slip, or a form carried to the wrong school)."""
    await sign_in(client, "nhap.mot")
    token = await open_entry(client, "LO-03", "0")
    blank = await client.post(ENTRY, data=typed(token, "LO-03", "0", "0001", cap_hoc=""))
    assert blank.status_code == 303
    wrong = await client.post(ENTRY, data=typed(token, "LO-03", "0", "0002", cap_hoc="2"))
    assert wrong.status_code == 422
    assert 'href="#f-cap_hoc"' in wrong.text and "chỉ có một cấp học" in wrong.text
    stored = [json.loads(row["answers"]) for row in await Submission.select(Submission.answers)]
    assert [answers["cap_hoc"] for answers in stored] == ["tieu_hoc"]


async def test_bad_digits_are_explained_and_nothing_is_lost(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "nhap.mot")
    token = await open_entry(client, "LO-02", "0")
    refused = await client.post(
        ENTRY, data=typed(token, "LO-02", "0", "0007", tc1="9", cap_hoc="7")
    )
    assert refused.status_code == 422
    assert 'href="#f-tc1"' in refused.text and 'href="#f-cap_hoc"' in refused.text
    assert 'name="tc1" type="text"' in refused.text and 'value="9"' in refused.text
    assert 'value="0007"' in refused.text
    bad_form = await client.post(ENTRY, data=typed(token, "LO-02", "0", "số 7"))
    assert bad_form.status_code == 422 and "số phiếu" in bad_form.text
    assert await Submission.count() == 0
    forged = await client.post(ENTRY, data={**typed(token, "LO-02", "0", "0008"), "csrf": "x"})
    assert forged.status_code == 403 and await Submission.count() == 0


async def test_double_entry_counts_only_when_both_passes_agree(
    client: httpx.AsyncClient, province: Settings
) -> None:
    batch = "LO-KEP"
    await sign_in(client, "nhap.mot")
    token = await open_entry(client, batch, "1")
    for number in ("0001", "0002"):
        assert (await client.post(ENTRY, data=typed(token, batch, "1", number))).status_code == 303
    same_person = await client.post(ENTRY, data=typed(token, batch, "2", "0001"))
    assert same_person.status_code == 422 and "người khác" in same_person.text
    client.cookies.clear()
    await sign_in(client, "nhap.hai")
    token = await open_entry(client, batch, "2")
    await client.post(ENTRY, data=typed(token, batch, "2", "0001"))
    await client.post(ENTRY, data=typed(token, batch, "2", "0002", tc2="3"))
    page = await client.get(
        f"/staff/campaigns/HL-PT-2026/batches/{batch}", params={"unit": "TH-LC1"}
    )
    assert page.status_code == 200
    assert "<td>0002</td>" in page.text and "<td>4</td><td>3</td>" in page.text
    assert "Chốt lô" not in page.text
    commit = f"/staff/campaigns/HL-PT-2026/batches/{batch}/commit"
    refused = await client.post(commit, data={"csrf": csrf_of(page.text), "unit": "TH-LC1"})
    assert refused.status_code == 422 and await Submission.count() == 0
    await client.post(ENTRY, data=typed(token, batch, "2", "0002"))  # the wrong pass retyped
    page = await client.get(
        f"/staff/campaigns/HL-PT-2026/batches/{batch}", params={"unit": "TH-LC1"}
    )
    assert "Hai lần nhập khớp nhau." in page.text and "Chốt lô" in page.text
    done = await client.post(commit, data={"csrf": csrf_of(page.text), "unit": "TH-LC1"})
    assert done.status_code == 303
    assert await Submission.count() == 2 and await PaperEntry.count() == 0
    paper = await client.get(done.headers["location"])
    assert "Đã chốt lô: 2 phiếu được tính vào kết quả." in paper.text
    again = await client.post(commit, data={"csrf": csrf_of(page.text), "unit": "TH-LC1"})
    assert again.status_code == 404 and await Submission.count() == 2  # the batch is gone


async def test_a_third_person_resolves_a_disagreement(
    client: httpx.AsyncClient, province: Settings
) -> None:
    batch, url = "LO-BA", "/staff/campaigns/HL-PT-2026/batches/LO-BA"
    for username, entry_pass, tc2 in (("nhap.mot", "1", "4"), ("nhap.hai", "2", "3")):
        client.cookies.clear()
        await sign_in(client, username)
        token = await open_entry(client, batch, entry_pass)
        await client.post(ENTRY, data=typed(token, batch, entry_pass, "0001", tc2=tc2))
    client.cookies.clear()
    await sign_in(client, "nhap.ba")
    assert (await client.get(url, params={"unit": "TH-LC1"})).status_code == 404  # not typed
    token = await open_entry(client, batch, "2")
    fixed = await client.post(ENTRY, data=typed(token, batch, "2", "0001"))
    page = await client.get(fixed.headers["location"])
    assert "Đã sửa phiếu số 0001 của lần nhập này." in page.text
    page = await client.get(url, params={"unit": "TH-LC1"})
    assert "Hai lần nhập khớp nhau." in page.text
    done = await client.post(f"{url}/commit", data={"csrf": csrf_of(page.text), "unit": "TH-LC1"})
    assert done.status_code == 303 and await Submission.count() == 1


async def test_a_partner_types_for_its_own_organisation(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "mttq.lechan")
    token = await open_entry(client, "MTTQ-1", "0", partner="Hội khác")
    await client.post(ENTRY, data=typed(token, "MTTQ-1", "0", "0001", partner="Hội khác"))
    rows = await Submission.select(Submission.partner, Submission.channel)
    assert rows == [{"partner": PARTNER, "channel": "paper"}]
    assert (await client.get("/staff/campaigns/HL-PT-2026/paper")).status_code == 200


async def test_outside_the_scope_there_is_nothing(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "pgd.anlao")
    outside = await client.get(ENTRY, params={"unit": "TH-LC1", "batch": "X", "entry_pass": "0"})
    assert outside.status_code == 404
    pdf = await client.get("/staff/campaigns/HL-PT-2026/paper.pdf", params={"unit": "TH-LC1"})
    assert pdf.status_code == 404
    client.cookies.clear()
    assert (await client.get(ENTRY, params={"unit": "TH-LC1", "batch": "X"})).status_code == 303


async def test_forms_and_templates_download(client: httpx.AsyncClient, province: Settings) -> None:
    await sign_in(client, "nhap.mot")
    pdf = await client.get(
        "/staff/campaigns/HL-PT-2026/paper.pdf", params={"unit": "TH-LC1", "copies": 3, "first": 41}
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Phiếu số TH-LC1-0041" in text and "Phiếu số TH-LC1-0043" in text
    assert "Mã đợt HL-PT-2026" in text and "Nghị định 356/2025/NĐ-CP" in text
    assert "Không có ý kiến" in text
    sheet = await client.get("/staff/campaigns/HL-PT-2026/paper-template.xlsx")
    book = load_workbook(io.BytesIO(sheet.content))
    assert [c.value for c in book.worksheets[0][1]][:2] == ["unit", "tc1"]
    csv_template = await client.get("/staff/campaigns/HL-PT-2026/paper-template.csv")
    assert csv_template.content.startswith("\ufeffunit,tc1".encode())
    assert csv_template.headers["content-type"] == "text/csv; charset=utf-8"


async def test_a_spreadsheet_is_imported_from_the_page(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await sign_in(client, "nhap.mot")
    page = await client.get("/staff/campaigns/HL-PT-2026/paper", params={"unit": "XA-LECHAN"})
    token = csrf_of(page.text)
    good = "unit,tc1,tc2,cap_hoc\nTH-LC1,5,4,tieu_hoc\nTH-LC2,3,na,Tiểu học\n".encode()
    url = "/staff/campaigns/HL-PT-2026/import"
    done = await client.post(
        url,
        data={"csrf": token, "unit": "XA-LECHAN"},
        files={"file": ("phieu.csv", good, "text/csv")},
    )
    assert done.status_code == 200 and "Đã nhập 2 phiếu" in done.text
    bad = b"unit,tc1\nTH-LC1,8\nTH-AL1,5\n"
    refused = await client.post(
        url, data={"csrf": token, "unit": "XA-LECHAN"}, files={"file": ("loi.csv", bad, "text/csv")}
    )
    assert refused.status_code == 422
    assert (
        "Dòng 2, cột tc1" in refused.text and "Dòng 3" in refused.text and "TH-AL1" in refused.text
    )
    assert await Submission.count() == 2


async def test_a_closed_campaign_takes_no_typed_form_and_no_batch(
    client: httpx.AsyncClient, province: Settings
) -> None:
    batch = "LO-MUON"
    await type_pass(client, "nhap.mot", batch, "1")
    token = await type_pass(client, "nhap.hai", batch, "2")
    page = await client.get(
        f"/staff/campaigns/HL-PT-2026/batches/{batch}", params={"unit": "TH-LC1"}
    )
    assert "Chốt lô" in page.text
    await set_status("HL-PT-2026", "closed")
    commit = f"/staff/campaigns/HL-PT-2026/batches/{batch}/commit"
    refused = await client.post(commit, data={"csrf": csrf_of(page.text), "unit": "TH-LC1"})
    assert refused.status_code == 422 and "không nhận phiếu lúc này" in refused.text
    single = await client.post(ENTRY, data=typed(token, "LO-KHAC", "0", "0001"))
    assert single.status_code == 422 and "mở lại" in single.text
    assert await Submission.count() == 0 and await PaperEntry.count() == 2
    await reopen_campaign("HL-PT-2026")  # re-opened: the agreed batch counts
    done = await client.post(commit, data={"csrf": csrf_of(page.text), "unit": "TH-LC1"})
    assert done.status_code == 303 and await Submission.count() == 1
