"""The unit tree in the workspace: browsing and searching inside one's scope, editing names and
expected respondents, the two-step CSV import, merges and renames — tried by every role, from
inside and outside the unit's subtree, with forged codes and broken files (both engines)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from survey_server.config import Settings
from survey_server.demo.setup import prepare_demo
from survey_server.staff.services import create_user
from survey_server.staff.tables import AuditEvent
from survey_server.timekeeping import today
from survey_server.units.tables import Unit
from tests.conftest import Database, count_rows
from tests.staff import PASSWORD, csrf_of, sign_in

HEADER = (
    "code,name,kind,level,parent_code,expected_respondents,valid_from,valid_to,successor_code\n"
)
NEW_SCHOOLS = HEADER + (
    "TH-LC9,Trường Tiểu học Hòa Bình,school,tieu_hoc,XA-LECHAN,400,,,\n"
    "TH-LC1,Trường Tiểu học Trần Quốc Toản,school,tieu_hoc,XA-LECHAN,990,,,\n"
)
USERS = (
    ("so.admin", "admin", "SO-HP", None),
    ("xa.admin", "admin", "XA-LECHAN", None),
    ("pgd.lechan", "staff", "XA-LECHAN", None),
    ("pgd.anlao", "staff", "XA-ANLAO", None),
    ("ht.th-lc1", "principal", "TH-LC1", None),
    ("mttq.lechan", "partner", "XA-LECHAN", "Ủy ban MTTQ phường Lê Chân"),
)


@pytest.fixture
async def province(settings: Settings, db: Database) -> None:
    """The demo and an account of every role; set up before the app starts (tests list it
    before ``client``), so that nothing else writes to the database while it is loaded."""
    await prepare_demo(settings)
    for username, role, unit, partner in USERS:
        await create_user(username, role, unit, PASSWORD, partner)


async def as_user(client: httpx.AsyncClient, username: str) -> str:
    """Sign ``username`` in; the session's CSRF token."""
    client.cookies.clear()
    assert (await sign_in(client, username)).status_code == 303
    return csrf_of((await client.get("/staff/password")).text)


async def expected(code: str) -> int | None:
    row = await Unit.select(Unit.expected_respondents).where(Unit.code == code).first()
    return row["expected_respondents"]


async def test_browse_shows_the_tree_of_the_scope(
    province: None, client: httpx.AsyncClient
) -> None:
    await as_user(client, "so.admin")
    home = await client.get("/staff/units")
    assert home.status_code == 200
    assert "XA-LECHAN" in home.text and "Ủy ban nhân dân phường Lê Chân" in home.text
    assert "PGD-LECHAN" in home.text  # a retired unit, with its successor
    commune = await client.get("/staff/units?unit=XA-LECHAN")
    assert "Trường Tiểu học Trần Quốc Toản" in commune.text and "TH-LC1-1A" not in commune.text
    school = await client.get("/staff/units?unit=TH-LC1")
    assert "TH-LC1-1A" in school.text and "980" in school.text
    # the demo's campaigns reach the primary school: the count is shown
    assert re.search(r"Số đợt khảo sát liên quan</dt><dd>[1-9]", school.text)
    found = await client.get("/staff/units", params={"q": "le chan"})
    assert "Ủy ban nhân dân phường Lê Chân" in found.text
    by_code = await client.get("/staff/units", params={"q": "th-lc1"})
    assert 'href="/staff/units?unit=TH-LC1"' in by_code.text


async def test_search_and_pages_stay_inside_the_scope(
    province: None, client: httpx.AsyncClient
) -> None:
    await as_user(client, "pgd.lechan")
    assert (await client.get("/staff/units")).status_code == 200
    found = await client.get("/staff/units", params={"q": "an lao"})
    assert found.status_code == 200 and "An Lão" not in found.text.split("</form>", 1)[1]
    outside = await client.get("/staff/units?unit=TH-AL1")
    missing = await client.get("/staff/units?unit=TH-KHONG-CO")
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content  # outside looks like nothing at all
    for forged in ("../SO-HP", "SO-HP%00", "x" * 5000, "TH-LC1' OR '1'='1", "\x00"):
        assert (await client.get("/staff/units", params={"unit": forged})).status_code == 404
    assert (await client.get("/staff/units", params={"q": "x" * 5000})).status_code == 200
    await as_user(client, "ht.th-lc1")
    assert (await client.get("/staff/units")).status_code == 200
    assert (await client.get("/staff/units?unit=XA-LECHAN")).status_code == 404
    await as_user(client, "mttq.lechan")
    assert (await client.get("/staff/units")).status_code == 403


async def test_editing_names_and_expected_respondents(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "pgd.lechan")
    form = await client.get("/staff/units/edit?unit=TH-LC1")
    assert form.status_code == 200 and 'value="980"' in form.text
    assert 'id="expected"' not in form.text  # shown, not editable: the office's own rate
    renamed = await client.post(
        "/staff/units/edit",
        data={
            "csrf": csrf,
            "unit": "TH-LC1",
            "name": "Trường TH Trần Quốc Toản",
            "expected": "980",
        },
    )
    assert renamed.status_code == 303
    raised = await client.post(
        "/staff/units/edit",
        data={"csrf": csrf, "unit": "TH-LC1", "name": "Trường TH Trần Quốc Toản", "expected": "98"},
    )
    assert raised.status_code == 422 and "Chỉ quản trị viên" in raised.text
    assert await expected("TH-LC1") == 980

    admin = await as_user(client, "so.admin")
    saved = await client.post(
        "/staff/units/edit",
        data={
            "csrf": admin,
            "unit": "TH-LC1",
            "name": "Trường TH Trần Quốc Toản",
            "expected": "1.020",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("unit=TH-LC1&saved=1")
    assert await expected("TH-LC1") == 1020
    events = (
        await AuditEvent.select().where(AuditEvent.action == "unit.edit").order_by(AuditEvent.id)
    )
    assert [event["username"] for event in events] == ["pgd.lechan", "so.admin"]
    assert '"old": 980' in events[1]["detail"]

    for bad in ("-5", "abc", "1e3", "１２", "9999999999", "98.0", "5 5"):
        refused = await client.post(
            "/staff/units/edit",
            data={"csrf": admin, "unit": "TH-LC1", "name": "Trường", "expected": bad},
        )
        assert refused.status_code == 422 and "số nguyên không âm" in refused.text
        assert 'aria-invalid="true"' in refused.text
    empty = await client.post(
        "/staff/units/edit", data={"csrf": admin, "unit": "TH-LC1", "name": "  ", "expected": ""}
    )
    assert empty.status_code == 422 and "không được để trống" in empty.text
    assert await expected("TH-LC1") == 1020
    csrf = await as_user(client, "pgd.lechan")

    # another commune's school, a forged code, the staff's own commune, no CSRF token
    other = await client.post(
        "/staff/units/edit", data={"csrf": csrf, "unit": "TH-AL1", "name": "X", "expected": "1"}
    )
    assert other.status_code == 404 and await expected("TH-AL1") == 520
    assert (await client.get("/staff/units/edit?unit=TH-AL1")).status_code == 404
    own = await client.post(
        "/staff/units/edit", data={"csrf": csrf, "unit": "XA-LECHAN", "name": "X", "expected": "1"}
    )
    assert own.status_code == 403
    forged = await client.post(
        "/staff/units/edit", data={"unit": "TH-LC2", "name": "X", "expected": "1"}
    )
    assert forged.status_code == 403 and await expected("TH-LC2") == 860


async def test_a_principal_never_changes_the_school_denominator(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "ht.th-lc1")
    assert (await client.get("/staff/units/edit?unit=TH-LC1")).status_code == 403
    for unit in ("TH-LC1", "TH-LC1-1A", "TH-AL1"):
        refused = await client.post(
            "/staff/units/edit", data={"csrf": csrf, "unit": unit, "name": "X", "expected": "5"}
        )
        assert refused.status_code == 403
    assert await expected("TH-LC1") == 980 and await expected("TH-LC1-1A") == 38
    assert "Sửa tên, số dự kiến trả lời" not in (await client.get("/staff/units")).text
    csrf = await as_user(client, "mttq.lechan")
    refused = await client.post(
        "/staff/units/edit", data={"csrf": csrf, "unit": "TH-LC1", "name": "X", "expected": "5"}
    )
    assert refused.status_code == 403 and await expected("TH-LC1") == 980


async def test_a_retired_unit_is_left_as_old_campaigns_show_it(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "so.admin")
    refused = await client.post(
        "/staff/units/edit",
        data={"csrf": csrf, "unit": "PGD-LECHAN", "name": "Phòng mới", "expected": ""},
    )
    assert refused.status_code == 422 and "hết hiệu lực" in refused.text


def upload(csrf: str, body: str | bytes, **fields: str) -> dict[str, object]:
    data = body.encode() if isinstance(body, str) else body
    return {
        "data": {"csrf": csrf, **fields},
        "files": {"file": ("don-vi.csv", data, "text/csv")},
    }


async def test_import_is_previewed_then_confirmed_once(
    province: None, client: httpx.AsyncClient
) -> None:
    csrf = await as_user(client, "so.admin")
    assert (await client.get("/staff/units/import")).status_code == 200
    units = await count_rows("unit")
    preview = await client.post(
        "/staff/units/import", **upload(csrf, NEW_SCHOOLS, action="preview")
    )
    assert preview.status_code == 200
    assert "Tệp sẽ tạo 1 đơn vị mới và cập nhật 1 đơn vị." in preview.text
    assert await count_rows("unit") == units and await expected("TH-LC1") == 980
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)
    assert digest

    other = NEW_SCHOOLS.replace("400", "401")
    swapped = await client.post(
        "/staff/units/import",
        **upload(csrf, other, action="confirm", digest=digest.group(1)),
    )
    assert swapped.status_code == 409 and await count_rows("unit") == units

    done = await client.post(
        "/staff/units/import",
        **upload(csrf, NEW_SCHOOLS, action="confirm", digest=digest.group(1)),
    )
    assert done.status_code == 200 and "1 đơn vị mới, cập nhật 1 đơn vị" in done.text
    assert await count_rows("unit") == units + 1 and await expected("TH-LC1") == 990
    assert await AuditEvent.exists().where(AuditEvent.action == "unit.import")
    again = await client.post(  # the same confirmation sent twice: the plan is no longer it
        "/staff/units/import",
        **upload(csrf, NEW_SCHOOLS, action="confirm", digest=digest.group(1)),
    )
    assert again.status_code == 409 and await count_rows("unit") == units + 1


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (HEADER + "TH-X,Trường,truong,,XA-LECHAN,,,,\n", "Dòng 2: loại đơn vị &#39;truong&#39;"),
        (HEADER + "TH-X,Trường,school,tieu_hoc,XA-KHONG,,,,\n", "không tìm thấy đơn vị cấp trên"),
        (HEADER + "XA-LECHAN,Lê Chân,commune,,TH-LC1,,,,\n", "vòng lặp"),
        ("ma,ten\nA,B\n", "thiếu cột"),
        (HEADER, "tệp trống"),
        ("", "tệp trống"),
        ("Mã,Tên".encode("utf-16"), "UTF-8"),
        (HEADER + "TH-X,Trường,school,tieu_hoc,XA-LECHAN,,,\n", "dòng có 8 ô"),
    ],
)
async def test_broken_files_are_refused_whole(
    province: None, client: httpx.AsyncClient, body: str | bytes, text: str
) -> None:
    csrf = await as_user(client, "so.admin")
    units = await count_rows("unit")
    refused = await client.post("/staff/units/import", **upload(csrf, body, action="preview"))
    assert refused.status_code == 422, refused.text[:500]
    assert text in refused.text and "chưa có thay đổi nào được lưu" in refused.text
    assert await count_rows("unit") == units


async def test_import_limits_and_who_may_import(province: None, client: httpx.AsyncClient) -> None:
    csrf = await as_user(client, "so.admin")
    nothing = await client.post("/staff/units/import", data={"csrf": csrf, "action": "preview"})
    assert nothing.status_code == 422 and "Chưa chọn tệp" in nothing.text
    huge = await client.post(
        "/staff/units/import", **upload(csrf, b"a" * (21 * 1024 * 1024), action="preview")
    )
    assert huge.status_code == 413
    many = HEADER + "".join(f"T{i},Trường {i},school,thcs,XA-LECHAN,,,,\n" for i in range(200_001))
    too_many = await client.post("/staff/units/import", **upload(csrf, many, action="preview"))
    assert too_many.status_code == 422 and "quá 200000 dòng" in too_many.text
    forged = await client.post(
        "/staff/units/import", **upload("sai", NEW_SCHOOLS, action="preview")
    )
    assert forged.status_code == 403
    for username in ("xa.admin", "pgd.lechan", "ht.th-lc1", "mttq.lechan"):
        csrf = await as_user(client, username)
        assert (await client.get("/staff/units/import")).status_code == 403
        refused = await client.post(
            "/staff/units/import", **upload(csrf, NEW_SCHOOLS, action="preview")
        )
        assert refused.status_code == 403
    assert not await Unit.exists().where(Unit.code == "TH-LC9")


async def test_merge_and_rename_from_the_workspace(
    province: None, client: httpx.AsyncClient, settings: Settings
) -> None:
    day = today(settings.timezone) + timedelta(days=120)
    fields = {
        "olds": "XA-LECHAN, XA-NGOQUYEN",
        "target": "XA-HAIAN",
        "name": "Ủy ban nhân dân phường Hải An",
        "effective": day.isoformat(),
    }
    for username in ("pgd.lechan", "ht.th-lc1", "mttq.lechan"):
        csrf = await as_user(client, username)
        assert (await client.get("/staff/units/merge")).status_code == 403
        assert (await client.get("/staff/units/rename")).status_code == 403
        refused = await client.post(
            "/staff/units/merge", data={"csrf": csrf, "action": "preview", **fields}
        )
        assert refused.status_code == 403
    csrf = await as_user(client, "xa.admin")  # an administrator below: its own unit, not others
    scoped = await client.post(
        "/staff/units/merge", data={"csrf": csrf, "action": "preview", **fields}
    )
    assert scoped.status_code == 422
    assert "không thể sáp nhập đơn vị của chính tài khoản" in scoped.text
    assert "không tìm thấy đơn vị &#39;XA-NGOQUYEN&#39;" in scoped.text

    csrf = await as_user(client, "so.admin")
    assert (await client.get("/staff/units/merge?olds=XA-LECHAN")).status_code == 200
    wrong = await client.post(
        "/staff/units/merge",
        data={"csrf": csrf, "action": "preview", **fields, "effective": "2026-13-01"},
    )
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text
    preview = await client.post(
        "/staff/units/merge", data={"csrf": csrf, "action": "preview", **fields}
    )
    assert preview.status_code == 200 and "HL-PT-2026" in preview.text
    assert not await Unit.exists().where(Unit.code == "XA-HAIAN")
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)
    assert digest
    forged = await client.post(
        "/staff/units/merge", data={"csrf": csrf, "action": "confirm", **fields, "digest": "0" * 64}
    )
    assert forged.status_code == 422 and not await Unit.exists().where(Unit.code == "XA-HAIAN")
    done = await client.post(
        "/staff/units/merge",
        data={"csrf": csrf, "action": "confirm", **fields, "digest": digest.group(1)},
    )
    assert done.status_code == 303 and done.headers["location"].startswith(
        "/staff/units?unit=XA-HAIAN"
    )
    units = await count_rows("unit")
    twice = await client.post(
        "/staff/units/merge",
        data={"csrf": csrf, "action": "confirm", **fields, "digest": digest.group(1)},
    )
    assert twice.status_code == 422 and await count_rows("unit") == units
    assert (await client.get("/staff/units?unit=XA-HAIAN")).status_code == 200

    name = {
        "unit": "XA-ANLAO",
        "name": "Ủy ban nhân dân xã An Lão mới",
        "effective": today(settings.timezone).isoformat(),
    }
    assert (await client.get("/staff/units/rename?unit=XA-ANLAO")).status_code == 200
    shown = await client.post(
        "/staff/units/rename", data={"csrf": csrf, "action": "preview", **name}
    )
    assert shown.status_code == 200
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', shown.text)
    assert digest
    renamed = await client.post(
        "/staff/units/rename",
        data={"csrf": csrf, "action": "confirm", **name, "digest": digest.group(1)},
    )
    assert renamed.status_code == 303
    row = await Unit.select(Unit.name).where(Unit.code == "XA-ANLAO").first()
    assert row["name"] == "Ủy ban nhân dân xã An Lão mới"
