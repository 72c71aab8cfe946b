"""A database reader cannot pair a single-use token with the response it produced.

The reader here is the strongest insider: it reads every table and every system column
(``xmin``, ``ctid``, ``rowid``), the database files themselves, and on PostgreSQL the raw pages
(``pageinspect``); and it knows every code, as the person who printed the slips does. 100 tokens
are issued, 95 are used in random order through the HTTP API, and every ordering the reader has
is tried against every ordering of the responses. Spending a token deletes it: no row of a used
token is left, and what is left pairs no better than chance. Both engines.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import math
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from survey_server.campaigns.tables import Campaign
from survey_server.distribution.services import add_link
from survey_server.distribution.tables import IssuedToken, Link, Token
from survey_server.distribution.tokens import count_tokens, issue_tokens, revoke_tokens
from survey_server.responses import writer
from survey_server.responses.tables import Submission
from tests.conftest import FIXTURES, new_id, open_survey

URL = "/api/v1/responses"
ISSUED = 100
USED = 95
#: The most correct pairs any ordering may give. Chance alone pairs ~1 (a random bijection has a
#: Poisson(1) number of fixed points): 10 or more happens with probability 1.1e-7 per ordering,
#: about 1e-5 over every ordering tried here. The former design paired all of them.
BOUND = 10


class Spent:
    """What the test knows and the reader does not: which code produced which response."""

    def __init__(self, truth: dict[str, str], unused: set[str]) -> None:
        self.truth = truth  # submission_id → code
        self.unused = unused


@pytest.fixture
async def spent(client, settings, db, monkeypatch) -> Spent:
    monkeypatch.setattr(writer, "VACUUM_DELAY_SECONDS", 0.0)
    await open_survey(settings, FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml", code="MA")
    await Campaign.update({Campaign.requires_token: True}).where(Campaign.code == "MA")
    codes = await issue_tokens("MA", "TH-LC1-1A", ISSUED, settings.timezone)
    order = random.Random().sample(codes, USED)
    truth = {}
    for code in order:
        submission_id = new_id()
        body = {"link": code, "submission_id": submission_id, "answers": {"loai": "khen"}}
        assert (await client.post(URL, json=body)).status_code == 201
        truth[submission_id] = code
    unused = set(codes) - set(order)
    assert await revoke_tokens(sorted(unused)[:2]) == 2
    return Spent(truth, unused)


async def rows(sql: str) -> list[dict[str, Any]]:
    return await Submission.raw(sql)


async def system_columns(db, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` with the system columns a reader can ask for, in storage order."""
    if db.kind == "postgres":
        return await rows(
            f"SELECT xmin::text::bigint AS sys_xmin, ctid::text AS sys_ctid, * FROM {table}"
        )
    return await rows(f"SELECT rowid AS sys_rowid, * FROM {table}")


def orderings(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every order of ``items`` a reader can build from its columns, each also reversed."""

    def key(column: str) -> Callable[[dict[str, Any]], Any]:
        if column == "sys_ctid":
            return lambda row: tuple(int(part) for part in row[column].strip("()").split(","))
        return lambda row: (row[column] is None, str(row[column]) if row[column] else "")

    if not items:
        return {}
    found = {"storage order": list(items)}
    for column in items[0]:
        if column == "sys_xmin" or column == "id" or column == "sys_rowid":
            found[column] = sorted(items, key=lambda row, c=column: int(row[c]))
        else:
            found[column] = sorted(items, key=key(column))
    return {
        **found,
        **{f"{name}, reversed": list(reversed(order)) for name, order in found.items()},
    }


def best_pairing(
    token_side: dict[str, list[str]], response_side: dict[str, list[str]], truth: dict[str, str]
) -> tuple[int, str]:
    """The most correct (code, response) pairs of any two orderings zipped together."""
    best = (0, "")
    for token_name, codes in token_side.items():
        for response_name, submission_ids in response_side.items():
            correct = sum(
                truth.get(submission_id) == code
                for code, submission_id in zip(codes, submission_ids, strict=False)
            )
            best = max(best, (correct, f"{token_name} × {response_name}"))
    return best


def digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def test_no_row_of_a_used_token_is_left(spent: Spent) -> None:
    left = {row["code"]: row["status"] for row in await Token.select(Token.code, Token.status)}
    assert set(left) == spent.unused
    assert sorted(left.values()) == ["issued"] * (ISSUED - USED - 2) + ["revoked"] * 2
    assert await count_tokens("MA") == {"issued": 3, "used": USED, "revoked": 2}
    assert await IssuedToken.count() == ISSUED  # written when issued, never touched since


async def test_no_table_holds_a_used_code(spent: Spent, db) -> None:
    if db.kind == "postgres":
        listing = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    else:
        listing = "SELECT name FROM sqlite_master WHERE type = 'table'"
    dump = []
    for table in await rows(listing):
        dump += [str(row) for row in await rows(f"SELECT * FROM {table['name']}")]
    text = "\n".join(dump)
    assert all(code in text for code in spent.unused)  # the search does find codes
    assert not [code for code in spent.truth.values() if code in text]


async def test_no_ordering_pairs_tokens_with_responses(spent: Spent, db) -> None:
    """Every ordering of what is left of the tokens, zipped with every ordering of the responses."""
    code_of = {digest(code): code for code in [*spent.truth.values(), *spent.unused]}
    used = set(spent.truth.values())
    token_side: dict[str, list[str]] = {}
    shared_links = set()
    for table in ("token", "token_issued"):
        found = await system_columns(db, table)
        for row in found:  # the reader knows the codes, so it may order by them too
            row["code"] = row.get("code") or code_of[row["digest"]]
        found = [row for row in found if row["code"] in used]
        shared_links |= {row["link"] for row in found}
        for name, order in orderings(found).items():
            token_side[f"{table} by {name}"] = [row["code"] for row in order]
    assert len(token_side["token_issued by storage order"]) == USED
    assert "token by storage order" not in token_side  # a used token has no row in token
    token_side["codes as printed"] = sorted(used)
    responses = await system_columns(db, "submission")
    for row in responses:
        row.pop("closed", None)
    assert len(responses) == USED
    response_side = {
        f"submission by {name}": [str(row["submission_id"]) for row in order]
        for name, order in orderings(responses).items()
    }
    correct, how = best_pairing(token_side, response_side, spent.truth)
    assert correct < BOUND, f"{correct} of {USED} pairs by {how}"
    # and the link, the only column both sides share, is one and the same for all of them
    assert len(shared_links | {row["link"] for row in responses}) == 1


async def test_transaction_ids_pair_nothing(spent: Spent, db) -> None:
    """The former design's leak: a spent token row rewritten right after its response."""
    if db.kind != "postgres":
        pytest.skip("xmin is a PostgreSQL system column")
    issuance = await rows("SELECT count(DISTINCT xmin::text) AS n FROM token_issued")
    assert issuance[0]["n"] == 1  # one transaction wrote the register; using a token changes none
    later = await rows(
        "SELECT status FROM token WHERE xmin::text::bigint >= "
        "(SELECT min(xmin::text::bigint) FROM submission)"
    )
    assert {row["status"] for row in later} == {"revoked"}  # staff revoked two slips afterwards


async def test_no_dead_row_version_of_a_token_is_left_on_postgres(spent: Spent, db) -> None:
    """A superuser reads dead row versions with pageinspect: a deleted token's ``xmax`` is its
    response's ``xmin`` until the writer vacuums the table, right after the use."""
    if db.kind != "postgres":
        pytest.skip("pageinspect is a PostgreSQL extension")
    try:
        await rows("CREATE EXTENSION IF NOT EXISTS pageinspect")
    except Exception as error:
        pytest.skip(f"pageinspect is not available: {error}")
    import asyncio

    query = (
        "SELECT count(*) AS n FROM generate_series(0, pg_relation_size('token') / 8192 - 1) AS b, "
        "LATERAL heap_page_items(get_raw_page('token', b::int)) AS item "
        "WHERE item.t_xmax::text IN (SELECT xmin::text FROM submission)"
    )
    for _ in range(100):
        if (await rows(query))[0]["n"] == 0:
            break
        await asyncio.sleep(0.1)
    assert (await rows(query))[0]["n"] == 0


async def test_sqlite_files_keep_no_used_code(spent: Spent, db) -> None:
    """Deleted bytes are zeroed (secure_delete) and the write-ahead log, which held the token's
    page next to its response's, is emptied once the writer is idle."""
    if db.kind != "sqlite":
        pytest.skip("the SQLite file and its write-ahead log")
    import asyncio

    path = Path(db.url.removeprefix("sqlite:///"))
    log = path.with_name(path.name + "-wal")
    for _ in range(100):
        if not log.exists() or log.stat().st_size == 0:
            break
        await asyncio.sleep(0.1)
    content = path.read_bytes() + (log.read_bytes() if log.exists() else b"")
    assert all(code.encode() in content for code in spent.unused)
    assert not [code for code in spent.truth.values() if code.encode() in content]
    assert (await rows("PRAGMA secure_delete"))[0]["secure_delete"] == 1


async def test_a_used_slip_is_still_told_apart_from_a_wrong_code(client, spent: Spent) -> None:
    submission_id, code = next(iter(spent.truth.items()))
    again = await client.post(
        URL, json={"link": code, "submission_id": submission_id, "answers": {"loai": "khen"}}
    )
    assert again.status_code == 201  # a retry of the same submission: its first receipt
    other = await client.post(URL, json={"link": code, "submission_id": new_id(), "answers": {}})
    assert other.status_code == 409 and "đã được dùng" in other.json()["message"]
    wrong = "".join(reversed(code))
    if wrong not in spent.unused and wrong not in spent.truth.values():
        assert (await client.get(f"/s/{wrong}")).status_code == 404


async def test_tokens_carry_no_label(settings, db, tmp_path) -> None:
    from survey_server.cli import main

    assert "label" not in inspect.signature(issue_tokens).parameters
    refused = CliRunner().invoke(
        main,
        ["tokens", "issue", "MA", "--unit", "TH-LC1-1A", "--count", "1", "--label",
         "Nguyễn Văn An 9A", "-o", str(tmp_path / "slips.pdf")],
    )  # fmt: skip
    assert refused.exit_code == 2 and "không mang nhãn" in refused.output
    assert not (tmp_path / "slips.pdf").exists()
    # a class is a unit: its tokens hang on the class's link, which has no label
    await open_survey(settings, FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml", code="MA")
    await add_link("MA", "TH-LC1-1A", "paper", label="Nguyễn Văn An 9A")
    await issue_tokens("MA", "TH-LC1-1A", 3, settings.timezone)
    token_links = await Token.select(Token.link.label, Token.link.partner).distinct()
    assert token_links == [{"link.label": None, "link.partner": None}]


async def test_upgrade_forgets_spent_tokens_and_labels(settings, db) -> None:
    """Tokens spent under the former design (rows marked ``used``, on labelled links)."""
    await open_survey(settings, FIXTURES / "questionnaires" / "moi-loai-cau-hoi.yaml", code="MA")
    labelled = await add_link("MA", "TH-LC1-1A", "paper", label="Nguyễn Văn An 9A")
    other = await add_link("MA", "TH-LC1-2A", "qr_meeting", label="Họp phụ huynh 12/9")
    link = (await Link.select(Link.id).where(Link.code == labelled).first())["id"]
    old = {"K7M2QXAB9": "used", "K7M2QXAC3": "issued", "K7M2QXAD4": "revoked"}
    for code, status in old.items():
        await Token(code=code, link=link, status=status, created_on=date(2026, 9, 12)).save()
    migration = importlib.import_module(
        "survey_server.db.piccolo_migrations.lang_nghe_0013_token_register_data"
    )
    manager = await migration.forwards()
    for step in manager.raw:
        await step()
    left = {row["code"]: row["status"] for row in await Token.select(Token.code, Token.status)}
    assert left == {"K7M2QXAC3": "issued", "K7M2QXAD4": "revoked"}
    registered = {row["digest"] for row in await IssuedToken.select(IssuedToken.digest)}
    assert registered == {digest(code) for code in old}
    labels = {row["code"]: row["label"] for row in await Link.select(Link.code, Link.label)}
    assert labels[labelled] is None and labels[other] == "Họp phụ huynh 12/9"
    assert await count_tokens("MA") == {"issued": 1, "used": 1, "revoked": 1}


def test_chance_bound() -> None:
    """The bound's probability under chance, for the record (Poisson(1) tail)."""
    tail = 1 - sum(math.exp(-1) / math.factorial(k) for k in range(BOUND))
    assert tail < 2e-7
