"""First-run setup: a new installation gets its root unit and first administrator in the browser,
with the code the server prints when it starts; then the page is gone for everybody."""

from __future__ import annotations

import os
import re
import subprocess
import time

import httpx
import pytest

from survey_server.config import Settings
from survey_server.staff.first_run import setup_code
from tests.conftest import Database, count_rows
from tests.live import BIN, free_port
from tests.staff import PASSWORD, csrf_of, sign_in


async def post_setup(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    form = await client.get("/staff/setup")
    assert form.status_code == 200
    data = {
        "unit_code": "SO-HP",
        "unit_name": "Sở Giáo dục và Đào tạo thành phố Hải Phòng",
        "username": "so.admin",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "csrf": csrf_of(form.text),
        **fields,
    }
    return await client.post("/staff/setup", data=data)


async def test_the_first_administrator_is_made_in_the_browser(
    client: httpx.AsyncClient, settings: Settings, db: Database
) -> None:
    response = await post_setup(client, code=setup_code(settings.secret_key).lower())
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/staff/login?setup=1"
    welcome = await client.get(response.headers["location"])
    assert "Đã tạo đơn vị gốc và tài khoản quản trị" in welcome.text
    signed = await sign_in(client, "so.admin")
    assert signed.status_code == 303
    home = await client.get("/staff/")
    assert "Sở Giáo dục và Đào tạo thành phố Hải Phòng" in home.text
    for method in ("get", "post"):
        assert (await getattr(client, method)("/staff/setup")).status_code == 404


async def test_an_existing_tree_is_kept_and_only_a_root_may_be_chosen(
    client: httpx.AsyncClient, settings: Settings, db: Database
) -> None:
    from survey_server.demo.setup import DEMO_UNITS
    from survey_server.units.services import import_units

    await import_units(DEMO_UNITS)
    units = await count_rows("unit")
    page = await client.get("/staff/setup")
    assert '<option value="SO-HP"' in page.text and "TH-LC1" not in page.text
    code = setup_code(settings.secret_key)
    refused = await post_setup(client, code=code, unit_code="TH-LC1")
    assert refused.status_code == 422
    assert "chọn một đơn vị gốc" in refused.text
    assert await count_rows("staff_user") == 0
    assert (await post_setup(client, code=code, unit_code="SO-HP")).status_code == 303
    assert await count_rows("unit") == units


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"unit_code": "sở hp"}, "không hợp lệ"),
        ({"unit_name": ""}, "không được để trống"),
        ({"username": "A"}, "tên đăng nhập"),
        ({"password": "ngan", "password_again": "ngan"}, "ít nhất 10 ký tự"),
        ({"password_again": "khac-hoan-toan-2026"}, "không giống nhau"),
    ],
)
async def test_a_refused_setup_writes_nothing(
    client: httpx.AsyncClient, settings: Settings, db: Database, fields: dict[str, str], said: str
) -> None:
    response = await post_setup(client, code=setup_code(settings.secret_key), **fields)
    assert response.status_code == 422
    assert said in response.text
    assert await count_rows("unit") == 0 and await count_rows("staff_user") == 0


async def test_guessing_the_code_is_slowed_then_refused(
    client: httpx.AsyncClient, settings: Settings, db: Database
) -> None:
    for guess in range(5):
        response = await post_setup(client, code=f"AAAAA-BBBBB-CCCC{guess}")
        assert response.status_code == 422
        assert "Mã thiết lập không đúng" in response.text
    locked = await post_setup(client, code=setup_code(settings.secret_key))
    assert locked.status_code == 429
    assert await count_rows("staff_user") == 0


async def test_a_form_without_its_token_is_refused(
    client: httpx.AsyncClient, settings: Settings, db: Database
) -> None:
    response = await client.post(
        "/staff/setup",
        data={"code": setup_code(settings.secret_key), "unit_code": "SO-HP", "csrf": "x"},
    )
    assert response.status_code == 403
    assert await count_rows("staff_user") == 0


def test_the_code_depends_on_the_installation_only() -> None:
    assert setup_code("a") == setup_code("a") != setup_code("b")
    assert re.fullmatch(r"[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}", setup_code("a"))


def test_serve_prints_the_setup_code_while_there_is_no_administrator(tmp_path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    env.pop("SECRET_KEY", None)
    subprocess.run([str(BIN), "migrate"], env=env, check=True, capture_output=True, timeout=120)
    server = subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "/staff/setup" not in line:
            line = server.stderr.readline() if server.stderr else ""
            if not line and server.poll() is not None:
                break
    finally:
        server.kill()
        server.wait(timeout=10)
    secret = (tmp_path / "secret_key").read_text().strip()
    assert f"/staff/setup và nhập mã thiết lập {setup_code(secret)}" in line
