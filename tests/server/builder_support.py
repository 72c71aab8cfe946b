"""What the builder tests share: a province with the shipped questionnaires, accounts of every
role (and a second commune's staff), and posting a builder form as the page would."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx

from survey_server.config import Settings
from survey_server.demo.setup import DEMO_UNITS
from survey_server.questionnaires.draft_tables import QuestionnaireDraft
from survey_server.questionnaires.services import load_questionnaires
from survey_server.staff.services import create_user
from survey_server.units.services import import_units
from tests.staff import PASSWORD, csrf_of, sign_in

USERS = {
    "admin": ("so.admin", "admin", "SO-HP", None),
    "staff": ("pgd.lechan", "staff", "XA-LECHAN", None),
    "other": ("pgd.ngoquyen", "staff", "XA-NGOQUYEN", None),
    "principal": ("ht.th-lc1", "principal", "TH-LC1", None),
    "partner": ("mttq.lechan", "partner", "XA-LECHAN", "Ủy ban MTTQ phường Lê Chân"),
}


async def prepare_province(settings: Settings) -> None:
    await import_units(DEMO_UNITS)
    await load_questionnaires([settings.questionnaires_dir], settings.timezone)
    for username, role, unit, partner in USERS.values():
        await create_user(username, role, unit, PASSWORD, partner)


async def signed_in(client: httpx.AsyncClient, who: str) -> str:
    """Sign ``who`` in; the session's CSRF token."""
    client.cookies.clear()
    response = await sign_in(client, USERS[who][0])
    assert response.status_code == 303, response.text
    return csrf_of((await client.get("/staff/password")).text)


def revision_of(html: str) -> str:
    match = re.search(r'name="revision" value="(\d+)"', html)
    assert match, html
    return match.group(1)


async def start_from(client: httpx.AsyncClient, csrf: str, template: str, slug: str = "") -> str:
    """A new draft from the stored version ``slug@version``; its address."""
    page = await client.get("/staff/questionnaires/new")
    match = re.search(rf'<option value="(\d+)"[^>]*>[^<]*\({re.escape(template)}\)', page.text)
    assert match, page.text
    response = await client.post(
        "/staff/questionnaires/new",
        data={"csrf": csrf, "start": "template", "template": match.group(1), "slug": slug},
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def post_form(
    client: httpx.AsyncClient, csrf: str, draft: str, path: str, data: dict[str, str]
) -> httpx.Response:
    """Post a builder form with the draft's current revision, as its page would."""
    revision = revision_of((await client.get(draft)).text)
    return await client.post(f"{draft}{path}", data={"csrf": csrf, "revision": revision, **data})


class _Forms(HTMLParser):
    """The fields a browser would post from each form of a page, by the form's action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._fields = {}
            self.forms.append((a.get("action", ""), self._fields))
        if self._fields is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._fields[name] = a.get("value", "on")
            elif kind != "file":
                self._fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._fields[name] = ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select and self._fields is not None:
            self._fields.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "form":
            self._fields = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self._fields is not None:
            self._fields[self._textarea] += data


def forms_to(html: str, action: str) -> list[dict[str, str]]:
    """The fields of every form of ``html`` posting to ``action``, as a browser sends them
    untouched (it drops the newline that follows ``<textarea>``)."""
    parser = _Forms()
    parser.feed(html)
    return [
        {key: value.removeprefix("\n") for key, value in fields.items()}
        for target, fields in parser.forms
        if target == action
    ]


def form_on(html: str, action: str) -> dict[str, str]:
    """The fields of the first form of ``html`` posting to ``action``."""
    found = forms_to(html, action)
    assert found, f"no form posts to {action}"
    return found[0]


async def stored_definition(draft: str) -> dict[str, Any]:
    """The definition stored for the draft at ``draft`` (its address)."""
    row = (
        await QuestionnaireDraft.select(QuestionnaireDraft.definition)
        .where(QuestionnaireDraft.id == int(draft.rstrip("/").rsplit("/", 1)[1]))
        .first()
    )
    assert row is not None
    return json.loads(row["definition"])
