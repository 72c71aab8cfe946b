"""Comments: read by theme inside the scope, escaped, classified and answered; the respondent
reads the answer with the receipt code (both engines)."""

from __future__ import annotations

import re
import unicodedata
import uuid

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.distribution.services import list_links
from survey_server.staff.services import create_user
from survey_server.staff.tables import FeedbackCase
from tests.conftest import Database
from tests.releases import submit_many
from tests.staff import PASSWORD, csrf_of, sign_in

CAMPAIGN = "HL-PT-2026"
PAGE = f"/staff/campaigns/{CAMPAIGN}/comments"
ATTACK = "<script>alert(1)</script> Đề nghị nhà trường sửa nhà vệ sinh, gọi 0912 345 678"


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    await prepare_demo(settings, responses=300)
    await create_user("ht.th-lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("ht.th-lc2", "principal", "TH-LC2", PASSWORD)
    await create_user("mttq.lechan", "partner", "XA-LECHAN", PASSWORD, "Ủy ban MTTQ phường Lê Chân")


async def submit(client: httpx.AsyncClient, unit: str, comment: str) -> str:
    link = next(row["code"] for row in await list_links(CAMPAIGN) if row["unit"] == unit)
    response = await client.post(
        "/api/v1/responses",
        json={
            "link": link,
            "submission_id": str(uuid.uuid4()),
            "answers": {"tc1": 2, "gop_y": comment},
        },
    )
    assert response.status_code == 201, response.text
    await submit_many(client, link, 9)  # a comment is shown once its release holds k = 10
    return response.json()["receipt"]


async def test_comments_are_escaped_scrubbed_and_themed(
    client: httpx.AsyncClient, province: None
) -> None:
    await submit(client, "TH-LC1", ATTACK)
    await sign_in(client, "ht.th-lc1")
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "0912 345 678" not in page.text and "[số điện thoại]" in page.text
    facilities = await client.get(PAGE, params={"theme": "co_so_vat_chat"})
    assert "sửa nhà vệ sinh" in facilities.text
    assert "Trường Tiểu học Lê Văn Tám" not in page.text  # another school's comments


async def test_a_reply_reaches_the_receipt_holder(
    client: httpx.AsyncClient, province: None
) -> None:
    receipt = await submit(client, "TH-LC1", "Đề nghị công khai các khoản thu đầu năm ở bảng tin.")
    before = await client.get("/theo-doi", params={"ma": receipt})
    assert before.status_code == 200 and "chưa có trả lời" in before.text
    await sign_in(client, "ht.th-lc1")
    page = await client.get(PAGE)
    card = next(
        c
        for c in re.findall(r"<article.*?</article>", page.text, re.S)
        if "đầu năm ở bảng tin" in c
    )
    ref = re.search(r'id="c([0-9a-f]+)"', card).group(1)
    refused = await client.post(f"{PAGE}/{ref}", data={"kind": "kien_nghi", "status": "da"})
    assert refused.status_code == 403
    saved = await client.post(
        f"{PAGE}/{ref}",
        data={
            "csrf": csrf_of(page.text),
            "kind": "kien_nghi",
            "status": "da",
            "reply": "Nhà trường đã niêm yết các khoản thu tại bảng tin.",
            "back": PAGE,
        },
    )
    assert saved.status_code == 303
    after = await client.get("/theo-doi", params={"ma": receipt})
    assert "Đã giải quyết" in after.text and "Kiến nghị" in after.text
    assert "đã niêm yết các khoản thu" in after.text
    kinds = await client.get(PAGE, params={"kind": "kien_nghi"})
    assert "công khai các khoản thu" in kinds.text


async def test_outside_the_scope_comments_cannot_be_touched(
    client: httpx.AsyncClient, province: None
) -> None:
    await submit(client, "TH-LC1", "Cô giáo chủ nhiệm rất tận tâm.")
    await sign_in(client, "ht.th-lc1")
    own = await client.get(PAGE)
    ref = re.search(r'id="c([0-9a-f]+)"', own.text).group(1)
    client.cookies.clear()
    await sign_in(client, "ht.th-lc2")
    other = await client.get(PAGE)
    response = await client.post(
        f"{PAGE}/{ref}",
        data={"csrf": csrf_of(other.text), "kind": "phan_anh", "status": "dang", "reply": "x"},
    )
    assert response.status_code == 404
    assert await FeedbackCase.count() == 0
    client.cookies.clear()
    await sign_in(client, "mttq.lechan")
    assert (await client.get(PAGE)).status_code == 404


async def test_unknown_receipt(client: httpx.AsyncClient, province: None) -> None:
    response = await client.get("/theo-doi", params={"ma": "KHONGCO123"})
    assert response.status_code == 404
    assert "Không tìm thấy mã biên nhận" in response.text
    assert (await client.get("/theo-doi")).status_code == 200


# --- handling hundreds of comments: search, filters, saving in place ---------------------------

LC1_FEES = "Đề nghị nhà trường giảm học phí cho con hộ nghèo."
LC1_FEES_NFD = unicodedata.normalize("NFD", "Học phí bán trú tăng quá cao so với năm trước.")
LC1_PRAISE = "Cô giáo chủ nhiệm rất tận tâm với các cháu."
LC2_SHADE = "Sân trường thiếu bóng mát, các cháu ra chơi rất nắng."
LC2_FEES = "Xin nhà trường công khai học phí và các khoản thu."
AL1_FEES = "Đề nghị giảm học phí học kỳ hai cho khối lớp năm."


async def submit_comments(client: httpx.AsyncClient, unit: str, comments: list[str]) -> None:
    """``comments`` through the unit's link, filled up to one release of k = 10."""
    link = next(row["code"] for row in await list_links(CAMPAIGN) if row["unit"] == unit)
    for comment in comments:
        await submit_many(client, link, 1, {"tc1": 2, "gop_y": comment})
    await submit_many(client, link, 10 - len(comments))


@pytest.fixture
async def office(client: httpx.AsyncClient, province: None) -> None:
    """Comments at two schools of phường Lê Chân and one elsewhere; the ward's office staff."""
    await create_user("pgd.lechan", "staff", "XA-LECHAN", PASSWORD)
    await submit_comments(client, "TH-LC1", [LC1_FEES, LC1_FEES_NFD, LC1_PRAISE])
    await submit_comments(client, "TH-LC2", [LC2_SHADE, LC2_FEES])
    await submit_comments(client, "TH-AL1", [AL1_FEES])


def cards(html: str) -> list[str]:
    return re.findall(r"<article.*?</article>", html, re.S)


def card_of(html: str, text: str) -> str:
    return next(c for c in cards(html) if text in unicodedata.normalize("NFC", c))


def ref_of(card: str) -> str:
    return re.search(r'id="c([0-9a-f]+)"', card).group(1)


def shown(html: str) -> set[str]:
    """Which of the test's comments the page shows."""
    texts = {
        "LC1_FEES": "cho con hộ nghèo",
        "LC1_FEES_NFD": "tăng quá cao",
        "LC1_PRAISE": "rất tận tâm",
        "LC2_SHADE": "thiếu bóng mát",
        "LC2_FEES": "Xin nhà trường công khai",
        "AL1_FEES": "học kỳ hai",
    }
    folded = unicodedata.normalize("NFC", "".join(cards(html)))
    return {name for name, text in texts.items() if text in folded}


def field(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


async def test_search_ignores_case_and_diacritics(client: httpx.AsyncClient, office: None) -> None:
    await sign_in(client, "pgd.lechan")
    everything = await client.get(PAGE)
    assert shown(everything.text) == {
        "LC1_FEES",
        "LC1_FEES_NFD",
        "LC1_PRAISE",
        "LC2_SHADE",
        "LC2_FEES",
    }
    for typed in (
        "hoc phi",
        "HỌC PHÍ",
        "  Hoc   PHI ",
        unicodedata.normalize("NFD", "học phí"),
        "phi hoc",  # every word, in any order
    ):
        found = await client.get(PAGE, params={"q": typed})
        assert found.status_code == 200
        assert shown(found.text) == {"LC1_FEES", "LC1_FEES_NFD", "LC2_FEES"}, typed
    assert shown((await client.get(PAGE, params={"q": "de nghi"})).text) == {"LC1_FEES"}
    assert shown((await client.get(PAGE, params={"q": "SÂN TRUONG"})).text) == {"LC2_SHADE"}
    nothing = await client.get(PAGE, params={"q": "điện thoại"})
    assert shown(nothing.text) == set() and "Không có ý kiến nào khớp bộ lọc." in nothing.text
    for blank in ("", "   ", "\t"):
        assert len(shown((await client.get(PAGE, params={"q": blank})).text)) == 5
    kept = await client.get(PAGE, params={"q": "Hoc   phi"})
    assert 'name="q" value="Hoc phi"' in kept.text  # what was searched stays in the box
    hostile = await client.get(PAGE, params={"q": '"><script>alert(1)</script>'})
    assert hostile.status_code == 200 and "<script>alert(1)" not in hostile.text


async def test_filters_combine_and_every_link_carries_them(
    client: httpx.AsyncClient, office: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("survey_server.staff.comments.PAGE", 1)
    await sign_in(client, "pgd.lechan")
    page = await client.get(PAGE)
    assert '<option value="TH-LC1"' in page.text and '<option value="TH-LC2"' in page.text
    assert '<option value="TH-AL1"' not in page.text  # not in the ward
    poor = await client.get(PAGE, params={"q": "ho ngheo"})
    ref = ref_of(card_of(poor.text, "cho con hộ nghèo"))
    saved = await client.post(
        f"{PAGE}/{ref}",
        data={
            "csrf": csrf_of(page.text),
            "kind": "kien_nghi",
            "status": "dang",
            "reply": "Đã nhận.",
        },
    )
    assert saved.status_code == 303

    async def showing(**params: str) -> set[str]:
        found = set()
        for number in range(1, 8):
            response = await client.get(PAGE, params={**params, "trang": str(number)})
            assert response.status_code == 200
            found |= shown(response.text)
        return found

    assert await showing(don_vi="TH-LC1") == {"LC1_FEES", "LC1_FEES_NFD", "LC1_PRAISE"}
    assert await showing(don_vi="TH-LC2", q="hoc phi") == {"LC2_FEES"}
    assert await showing(tra_loi="co") == {"LC1_FEES"}
    assert await showing(tra_loi="chua", q="hoc phi") == {"LC1_FEES_NFD", "LC2_FEES"}
    assert await showing(tra_loi="chua", don_vi="TH-LC1", status="chua") == {
        "LC1_FEES_NFD",
        "LC1_PRAISE",
    }
    assert await showing(kind="kien_nghi", don_vi="TH-LC2") == set()
    assert await showing(kind="kien_nghi", status="dang", q="HOC PHI") == {"LC1_FEES"}

    first = await client.get(
        PAGE, params={"q": "học phí", "tra_loi": "chua", "status": "chua", "unit": "XA-LECHAN"}
    )
    assert "trang 1/2." in first.text
    query = "unit=XA-LECHAN&amp;q=h%E1%BB%8Dc+ph%C3%AD&amp;status=chua&amp;tra_loi=chua"
    assert f'href="{PAGE}?{query}&amp;trang=2"' in first.text
    assert f'name="back" value="{PAGE}?{query}&amp;trang=1"' in first.text
    second = await client.get(f"{PAGE}?{query.replace('&amp;', '&')}&trang=2")
    assert f'href="{PAGE}?{query}&amp;trang=1"' in second.text  # back to the first page
    assert 'value="h\u1ecdc ph\u00ed"' in second.text and 'value="chua" selected' in second.text
    assert len(shown(first.text) | shown(second.text)) == 2
    # a theme link keeps the search and the filters, and starts again at the first page
    themed = re.search(r'href="([^"]*theme=[^"]*)"', first.text).group(1)
    assert "q=h%E1%BB%8Dc+ph%C3%AD" in themed and "tra_loi=chua" in themed
    assert "trang=" not in themed


async def test_a_save_returns_to_the_same_place_marked_saved(
    client: httpx.AsyncClient, office: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("survey_server.staff.comments.PAGE", 2)
    await sign_in(client, "pgd.lechan")
    first = await client.get(PAGE, params={"status": "chua", "q": "c"})
    second = await client.get(PAGE, params={"status": "chua", "q": "c", "trang": "2"})
    card = cards(second.text)[0]
    ref = ref_of(card)
    assert '<details class="case-edit">' in card  # the form waits behind its summary
    assert "<summary>Phân loại, trả lời</summary>" in card
    assert "Đã lưu." not in first.text + second.text
    back = field(card, "back").replace("&amp;", "&")
    response = await client.post(
        f"{PAGE}/{ref}",
        data={"csrf": csrf_of(second.text), "kind": "phan_anh", "status": "chua", "back": back},
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == f"{PAGE}?unit=XA-LECHAN&q=c&status=chua&trang=2&saved={ref}#c{ref}"
    again = await client.get(location.split("#")[0])
    assert 'role="status"' in card_of(again.text, f'id="c{ref}"')
    assert "Đã lưu." in card_of(again.text, f'id="c{ref}"')
    assert again.text.count("Đã lưu.") == 1
    assert "Phản ánh · Chưa giải quyết" in card_of(again.text, f'id="c{ref}"')
    assert f"saved={ref}" not in again.text  # neither in the links nor in the next form's back

    # the comment no longer matches the filters it was found with: still shown, in its place
    moved = await client.post(
        f"{PAGE}/{ref}",
        data={"csrf": csrf_of(second.text), "kind": "", "status": "da", "back": back},
    )
    after = await client.get(moved.headers["location"].split("#")[0])
    mine = card_of(after.text, f'id="c{ref}"')
    assert "Đã lưu. Ý kiến này không còn khớp bộ lọc." in mine
    assert "chưa phân loại · Đã giải quyết" in mine
    plain = await client.get(PAGE, params={"status": "chua", "q": "c", "trang": "2"})
    assert f'id="c{ref}"' not in plain.text


async def test_a_save_never_leads_off_the_list(client: httpx.AsyncClient, office: None) -> None:
    await sign_in(client, "pgd.lechan")
    page = await client.get(PAGE)
    ref = ref_of(cards(page.text)[0])
    for back in (
        "https://evil.example/",
        "//evil.example",
        "//evil.example/staff/campaigns/HL-PT-2026/comments",
        "/\\evil.example",
        "https://evil.example/staff/campaigns/HL-PT-2026/comments?q=x",
        "javascript:alert(1)",
        "/staff/campaigns/HL-PT-2026/comments/../../../../logout",
        "/staff/campaigns/KHAC/comments?unit=TH-AL1",
        f"{PAGE}?next=https://evil.example/&unit=XA-LECHAN",
        "http://[::1",
        "",
    ):
        response = await client.post(
            f"{PAGE}/{ref}",
            data={"csrf": csrf_of(page.text), "kind": "", "status": "dang", "back": back},
        )
        assert response.status_code == 303, back
        location = response.headers["location"]
        assert location.startswith(f"{PAGE}?"), (back, location)
        assert "evil" not in location and "next=" not in location and "KHAC" not in location
        assert location.endswith(f"saved={ref}#c{ref}")
    refused = await client.post(
        f"{PAGE}/{ref}", data={"kind": "", "status": "da", "back": "https://evil.example/"}
    )
    assert refused.status_code == 403  # no token, no save and no redirect


async def test_a_principal_cannot_widen_its_scope_by_filters(
    client: httpx.AsyncClient, office: None
) -> None:
    await sign_in(client, "ht.th-lc1")
    own = await client.get(PAGE)
    assert shown(own.text) == {"LC1_FEES", "LC1_FEES_NFD", "LC1_PRAISE"}
    assert 'name="don_vi"' not in own.text  # one school: nothing to choose
    for params in (
        {"don_vi": "TH-LC2"},
        {"don_vi": "TH-AL1"},
        {"don_vi": "SO-HP"},
        {"don_vi": "XA-LECHAN", "q": "hoc phi"},
        {"q": "khoan thu"},
        {"q": "bong mat"},
        {"q": "hoc ky hai"},
    ):
        response = await client.get(PAGE, params=params)
        assert response.status_code == 200, params
        assert shown(response.text) <= {"LC1_FEES", "LC1_FEES_NFD", "LC1_PRAISE"}, params
        assert "TH-LC2" not in response.text and "TH-AL1" not in response.text
    assert (
        await client.get(PAGE, params={"unit": "TH-LC2", "don_vi": "TH-LC2"})
    ).status_code == 404
    assert (await client.get(PAGE, params={"unit": "XA-LECHAN"})).status_code == 404
    # a save from a list of another school does not bring the principal there
    other = await client.get(PAGE, params={"q": "hoc phi"})
    ref = ref_of(cards(other.text)[0])
    response = await client.post(
        f"{PAGE}/{ref}",
        data={
            "csrf": csrf_of(other.text),
            "kind": "",
            "status": "dang",
            "back": f"{PAGE}?unit=TH-LC2&q=x",
        },
    )
    assert (await client.get(response.headers["location"].split("#")[0])).status_code == 404


async def test_odd_values_do_not_break_the_list(client: httpx.AsyncClient, office: None) -> None:
    await sign_in(client, "pgd.lechan")
    long = await client.get(PAGE, params={"q": "học phí " * 500})
    assert long.status_code == 200
    assert len(field(long.text, "q")) <= 100
    assert shown(long.text) == {"LC1_FEES", "LC1_FEES_NFD", "LC2_FEES"}
    for params in (
        {"kind": "khong-co"},
        {"status": "<b>"},
        {"theme": "khong_co"},
        {"tra_loi": "co-le"},
        {"don_vi": "KHONG-CO"},
        {"don_vi": "TH-AL1"},  # a unit outside the ward: left out
        {"trang": "abc"},
        {"trang": "-3"},
        {"trang": "99999999999999999999"},
    ):
        response = await client.get(PAGE, params=params)
        assert response.status_code == 200, params
        assert len(shown(response.text)) == 5, params
        assert "trang 1/1." in response.text
    for typed in ("\x00\x1b[31m", "%", "_", "\u0301\u0300", "\ud7ff" * 300, "' OR 1=1 --"):
        assert (await client.get(PAGE, params={"q": typed})).status_code == 200, typed
    assert (await client.get(f"{PAGE}?q=%FF%FE&kind=%00")).status_code < 500


async def test_a_reply_that_cannot_be_saved_keeps_its_form_open(
    client: httpx.AsyncClient, office: None
) -> None:
    await sign_in(client, "pgd.lechan")
    page = await client.get(PAGE, params={"q": "ban tru"})
    card = card_of(page.text, "tăng quá cao")
    ref = ref_of(card)
    draft = "Nhà trường sẽ họp ban đại diện cha mẹ học sinh. " * 100
    response = await client.post(
        f"{PAGE}/{ref}",
        data={
            "csrf": csrf_of(page.text),
            "kind": "kien_nghi",
            "status": "dang",
            "reply": draft,
            "back": field(card, "back").replace("&amp;", "&"),
        },
    )
    assert response.status_code == 422
    mine = card_of(response.text, f'id="c{ref}"')
    assert '<details class="case-edit" open>' in mine
    assert "Chưa lưu được: phần trả lời quá dài" in mine
    assert draft.strip() in mine  # what was typed is still there
    assert '<option value="kien_nghi" selected>' in mine
    assert f'href="#c{ref}"' in response.text
    assert 'value="ban tru"' in response.text  # the same list
    assert await FeedbackCase.count() == 0
    # a browser sends line breaks as CRLF: a reply at the limit still fits
    lines = "\r\n".join(["Cảm ơn phụ huynh."] * 215)
    assert len(lines) > 4000 >= len(lines.replace("\r\n", "\n"))
    saved = await client.post(
        f"{PAGE}/{ref}",
        data={"csrf": csrf_of(page.text), "kind": "", "status": "da", "reply": lines},
    )
    assert saved.status_code == 303 and await FeedbackCase.count() == 1
