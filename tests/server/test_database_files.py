"""Database files are readable by their owner only: the SQLite file, its -wal and -shm, the
secret key, and a data folder the product creates (0700)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey_server.db.engine import engine_from_url
from survey_server.db.migrate import migrate
from survey_server.responses.writer import SQLiteWriter
from tests.live import BIN
from tests.server.test_kit import decode


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual umask, under which files are created world-readable unless asked otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def test_a_new_database_and_its_log_are_owner_only(
    tmp_path: Path, permissive_umask: None
) -> None:
    path = tmp_path / "new" / "lang-nghe.db"
    await migrate(f"sqlite:///{path}")
    writer = SQLiteWriter(path)
    await writer.start()  # the writer keeps a connection open: the -wal and -shm files exist
    try:
        files = sorted(path.parent.iterdir())
        assert files == sorted([path, *companions(path)])
        assert {file.name: mode(file) for file in files} == dict.fromkeys(
            (file.name for file in files), 0o600
        )
        assert mode(path.parent) == 0o700
    finally:
        await writer.stop()


def test_files_of_an_older_version_are_narrowed(tmp_path: Path, permissive_umask: None) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    path = folder / "old.db"
    older = sqlite3.connect(path)  # as an older version left them: 0644, with its log open
    older.execute("PRAGMA journal_mode = WAL")
    older.execute("CREATE TABLE t (a)")
    older.commit()
    try:
        assert {mode(file) for file in [path, *companions(path)]} == {0o644}
        engine_from_url(f"sqlite:///{path}")
        assert {mode(file) for file in [path, *companions(path)]} == {0o600}
        assert mode(folder) == 0o755  # a folder the product did not create is left as it is
    finally:
        older.close()


def test_demo_data_folder_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATA_DIR": str(data)}
    done = subprocess.run(
        [str(BIN), "demo", "--no-serve", "--port", "8741"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        umask=0o022,  # the usual one: files are world-readable unless created otherwise
    )
    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    files = {file.name: mode(file) for file in data.iterdir()}
    assert "lang-nghe.db" in files and "secret_key" in files
    assert files == dict.fromkeys(files, 0o600)
    # the posters printed next point at the demo's own port, not the default 8000
    poster = subprocess.run(
        [
            str(BIN),
            "qr",
            "HL-PT-2026",
            "--unit",
            "TH-LC1",
            "--format",
            "png",
            "-o",
            str(tmp_path / "qr"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert poster.returncode == 0, poster.stderr
    images = sorted((tmp_path / "qr").rglob("*.png"))
    assert images and all(
        text.startswith("http://127.0.0.1:8741/")
        for image in images
        for text in decode(image.read_bytes())
    )
