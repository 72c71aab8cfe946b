"""Paper double-entry passes point at no one but their typists (both engines).

The people who read results are the people being evaluated, so every account is an insider
who may want to read what a parent wrote on a paper form. A batch's passes are shown only to
the accounts that typed them (and administrators), only where they disagree and without free
text; to anyone else a batch, guessed by name or not, answers as an unknown campaign does.
"""

from __future__ import annotations

import re

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.paper.tables import PaperEntry
from survey_server.responses.tables import Submission
from survey_server.staff.services import create_user
from tests.conftest import Database
from tests.staff import PASSWORD, csrf_of, sign_in

CAMPAIGN = "/staff/campaigns/HL-PT-2026"
ENTRY = f"{CAMPAIGN}/entry"
WOMEN = "Hội Liên hiệp Phụ nữ phường Lê Chân"
YOUTH = "Đoàn Thanh niên phường Lê Chân"
#: What a parent wrote about a named class, typed slightly differently in the two passes.
COMMENT_1 = "Cô chủ nhiệm lớp 3A hay quát mắng các cháu trước lớp"
COMMENT_2 = "Cô chủ nhiệm lớp 3A hay quát mắng các cháu trước cả lớp"
SECRET_WORDS = ("quát mắng", "trước lớp", "trước cả lớp")
#: Names an insider would try for the Women's Union batch "LO1".
GUESSES = ("LO1", "lo1", "LO-1", "LO01", "LO2", "X")
TC1 = "Thông tin tuyển sinh được công khai đầy đủ, kịp thời"
TC2 = "Thủ tục nhập học, chuyển trường đơn giản, thuận tiện"


@pytest.fixture
async def province(settings: Settings, db: Database) -> Settings:
    await prepare_demo(settings)
    await create_user("hpn.mot", "partner", "XA-LECHAN", PASSWORD, WOMEN)
    await create_user("hpn.hai", "partner", "XA-LECHAN", PASSWORD, WOMEN)
    await create_user("doan.lechan", "partner", "XA-LECHAN", PASSWORD, YOUTH)
    await create_user("doan.lechan2", "partner", "XA-LECHAN", PASSWORD, YOUTH)
    await create_user("ht.lc1", "principal", "TH-LC1", PASSWORD)
    await create_user("pgd.ngoquyen", "staff", "XA-NGOQUYEN", PASSWORD)
    await create_user("so.chuyenvien", "staff", "SO-HP", PASSWORD)
    await create_user("so.quantri", "admin", "SO-HP", PASSWORD)
    await create_user("nhap.mot", "staff", "XA-LECHAN", PASSWORD)
    await create_user("nhap.hai", "staff", "XA-LECHAN", PASSWORD)
    return settings


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    client.cookies.clear()
    response = await sign_in(client, username)
    assert response.status_code == 303, response.text


async def type_form(
    client: httpx.AsyncClient,
    batch: str,
    entry_pass: str,
    form: str,
    *,
    unit: str = "TH-LC1",
    partner: str | None = None,
    **answers: str,
) -> httpx.Response:
    params = {"unit": unit, "batch": batch, "entry_pass": entry_pass}
    if partner:
        params["partner"] = partner
    page = await client.get(ENTRY, params=params)
    assert page.status_code == 200, page.text
    data = {**params, "csrf": csrf_of(page.text), "form": form, "tc1": "5", "tc2": "4"}
    saved = await client.post(ENTRY, data={**data, **answers})
    assert saved.status_code == 303, saved.text
    return saved


def batch_url(batch: str) -> str:
    return f"{CAMPAIGN}/batches/{batch}"


async def women_batch(client: httpx.AsyncClient) -> None:
    """The Women's Union types batch LO1 of TH-LC1 twice; the passes disagree on form 0001
    (a scale answer and the comment) and pass 2 lacks form 0002."""
    await as_user(client, "hpn.mot")
    await type_form(client, "LO1", "1", "0001", gop_y=COMMENT_1)
    await type_form(client, "LO1", "1", "0002", gop_y=COMMENT_1)
    await as_user(client, "hpn.hai")
    await type_form(client, "LO1", "2", "0001", tc2="3", gop_y=COMMENT_2)
    stored = " ".join(row["answers"] for row in await PaperEntry.select(PaperEntry.answers))
    assert "quát mắng" in stored and "trước cả lớp" in stored  # kept for the comparison


def assert_hidden(response: httpx.Response, unknown: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.text == unknown.text
    for words in (*SECRET_WORDS, "hpn.mot", "hpn.hai", WOMEN, TC2):
        assert words not in response.text


@pytest.mark.parametrize(
    "username", ["doan.lechan", "ht.lc1", "pgd.ngoquyen", "so.chuyenvien", "nhap.mot"]
)
async def test_insiders_cannot_read_a_batch_they_did_not_type(
    client: httpx.AsyncClient, province: Settings, username: str
) -> None:
    await women_batch(client)
    await as_user(client, username)
    unknown = await client.get(
        "/staff/campaigns/KHONG-CO-2026/batches/LO1", params={"unit": "TH-LC1"}
    )
    assert unknown.status_code == 404
    for guess in GUESSES:
        for params in (
            {"unit": "TH-LC1"},
            {"unit": "TH-LC1", "partner": WOMEN},
            {"unit": "TH-LC1", "partner": WOMEN, "team": "1"},
            {"unit": "XA-LECHAN", "partner": WOMEN},
            {},
        ):
            assert_hidden(await client.get(batch_url(guess), params=params), unknown)
    paper = await client.get(f"{CAMPAIGN}/paper", params={"unit": "TH-LC1"})
    if paper.status_code == 200:  # the batch is not listed for them either
        assert "LO1" not in paper.text and "hpn.mot" not in paper.text
    if paper.status_code == 200:
        commit = await client.post(
            f"{batch_url('LO1')}/commit",
            data={"csrf": csrf_of(paper.text), "unit": "TH-LC1", "partner": WOMEN},
        )
        assert_hidden(commit, unknown)
    assert await Submission.count() == 0 and await PaperEntry.count() == 3


async def test_typing_the_same_name_does_not_join_anothers_batch(
    client: httpx.AsyncClient, province: Settings
) -> None:
    """An insider who types a form into "LO1" naming the partner starts a batch of its own:
    its comparison shows its own form alone, never the partner's passes."""
    await women_batch(client)
    for username in ("ht.lc1", "so.chuyenvien", "doan.lechan"):
        await as_user(client, username)
        partner = None if username == "doan.lechan" else WOMEN
        await type_form(client, "LO1", "2", "0002", partner=partner, tc1="1")
        params = {"unit": "TH-LC1"} | ({"partner": partner} if partner else {})
        own = await client.get(batch_url("LO1"), params=params)
        assert own.status_code == 200
        assert "Số phiếu trong lô: 1." in own.text
        assert "Lô mới được nhập một lần; cần một người khác nhập lần còn lại." in own.text
        for words in (*SECRET_WORDS, TC2, "0001"):
            assert words not in own.text
    await as_user(client, "hpn.mot")
    theirs = await client.get(batch_url("LO1"), params={"unit": "TH-LC1"})
    assert "Số phiếu trong lô: 2." in theirs.text  # untouched by the others' typing


async def test_typists_see_only_where_the_passes_disagree(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await women_batch(client)
    for username in ("hpn.mot", "hpn.hai"):
        await as_user(client, username)
        page = await client.get(batch_url("LO1"), params={"unit": "TH-LC1"})
        assert page.status_code == 200
        rows = re.findall(r"<tr><td>(.*?)</tr>", page.text)
        assert len(rows) == 3, rows  # tc2 and the comment of 0001; form 0002 missing
        assert "2. " + TC2 in page.text and "<td>4</td><td>3</td>" in page.text
        assert "Hai nội dung viết khác nhau" in page.text
        assert "(chưa nhập phiếu này)" in page.text and "(cả phiếu)" in page.text
        for words in (*SECRET_WORDS, TC1):
            assert words not in page.text
        assert "Chốt lô" not in page.text


async def test_an_administrator_sees_the_comparison(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await women_batch(client)
    await as_user(client, "so.quantri")
    paper = await client.get(f"{CAMPAIGN}/paper", params={"unit": "XA-LECHAN"})
    links = re.findall(r'href="(/staff/campaigns/HL-PT-2026/batches/LO1\?[^"]+)"', paper.text)
    assert len(links) == 1 and "hpn.mot" in paper.text
    page = await client.get(links[0].replace("&amp;", "&"))
    assert page.status_code == 200
    assert "<td>4</td><td>3</td>" in page.text and "Hai nội dung viết khác nhau" in page.text
    for words in SECRET_WORDS:
        assert words not in page.text
    assert "Nhập lần 1" not in page.text  # another team's batch: looked at, not typed into
    for team in ("", "nonsense", "9" * 200, "1|" + WOMEN):
        wrong = await client.get(
            batch_url("LO1"), params={"unit": "TH-LC1", "partner": WOMEN, "team": team}
        )
        assert wrong.status_code == 404


async def test_two_schools_and_two_partners_with_the_same_batch_name(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await as_user(client, "nhap.mot")
    await type_form(client, "LO1", "1", "0001", unit="TH-LC1", tc1="5")
    await type_form(client, "LO1", "1", "0001", unit="TH-LC2", tc1="3")
    await type_form(client, "LO9", "0", "0001", unit="TH-LC1")
    await type_form(client, "LO9", "0", "0001", unit="TH-LC2")
    await as_user(client, "hpn.mot")
    await type_form(client, "LO1", "1", "0001", tc1="2", gop_y=COMMENT_1)
    await as_user(client, "doan.lechan")
    await type_form(client, "LO1", "1", "0001", tc1="1", gop_y=COMMENT_2)
    await as_user(client, "nhap.hai")
    await type_form(client, "LO1", "2", "0001", unit="TH-LC1", tc1="5")
    await type_form(client, "LO1", "2", "0001", unit="TH-LC2", tc1="3")
    await as_user(client, "hpn.hai")
    await type_form(client, "LO1", "2", "0001", tc1="2", gop_y=COMMENT_1)
    for username, unit, words in (
        ("nhap.hai", "TH-LC1", ()),
        ("nhap.hai", "TH-LC2", ()),
        ("hpn.hai", "TH-LC1", ()),
        (
            "doan.lechan",
            "TH-LC1",
            ("Lô mới được nhập một lần; cần một người khác nhập lần còn lại.",),
        ),
    ):
        await as_user(client, username)
        page = await client.get(batch_url("LO1"), params={"unit": unit})
        assert page.status_code == 200 and "Số phiếu trong lô: 1." in page.text
        assert "Các chỗ hai lần nhập khác nhau" not in page.text and "<td>" not in page.text
        for word in words:
            assert word in page.text
        if not words:
            assert "Hai lần nhập khớp nhau." in page.text
            done = await client.post(
                f"{batch_url('LO1')}/commit", data={"csrf": csrf_of(page.text), "unit": unit}
            )
            assert done.status_code == 303
    rows = await Submission.select(Submission.unit.code, Submission.partner, Submission.answers)
    assert len(rows) == 5  # two single-entry forms "0001" and three agreed batches "LO1"
    assert sorted((row["unit.code"], row["partner"] or "") for row in rows) == [
        ("TH-LC1", ""),
        ("TH-LC1", ""),
        ("TH-LC1", WOMEN),
        ("TH-LC2", ""),
        ("TH-LC2", ""),
    ]
    assert await PaperEntry.count() == 1  # the Youth Union's first pass, still waiting
    await as_user(client, "doan.lechan2")  # a colleague may type the second pass
    await type_form(client, "LO1", "2", "0001", tc1="1", gop_y=COMMENT_2)
    page = await client.get(batch_url("LO1"), params={"unit": "TH-LC1"})
    assert "Hai lần nhập khớp nhau." in page.text


async def test_bad_batch_addresses_are_unknown_things(
    client: httpx.AsyncClient, province: Settings
) -> None:
    await women_batch(client)
    await as_user(client, "hpn.mot")
    for path in ("LO1%20OR%201", "LO1..", "L" * 300, "LO1%00", "%F0%9F%98%80", "LO1;x"):
        response = await client.get(batch_url(path), params={"unit": "TH-LC1"})
        assert response.status_code == 404, path
    for params, status in (
        ({"unit": "TH-LC1", "partner": "x" * 5000}, 200),  # a partner account's own name
        ({"unit": "TH-LC1", "team": "1"}, 200),  # only an administrator names a team
        ({"unit": "KHONG-CO"}, 404),
        ({"unit": "TH-LC1-1A"}, 404),
        ({"unit": "XA-LECHAN"}, 404),
    ):
        response = await client.get(batch_url("LO1"), params=params)
        assert response.status_code == status, params
    await as_user(client, "nhap.mot")
    for params in ({"unit": "TH-LC1", "partner": "x" * 5000}, {"unit": "TH-LC1", "team": "1"}):
        assert (await client.get(batch_url("LO1"), params=params)).status_code == 404
    committed = await client.get(f"{CAMPAIGN}/paper", params={"committed": "abc"})
    assert committed.status_code == 400
