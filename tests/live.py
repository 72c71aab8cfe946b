"""A real ``survey-server`` process for tests that need one (browser, crash, schemathesis).

The server is prepared with ``survey-server demo --no-serve`` and started with
``survey-server serve`` exactly as a user would, on a free port of 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "survey-server"


@dataclass
class LiveServer:
    base_url: str
    database_url: str
    data_dir: Path
    link: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """Kill the server process group without warning (``kill -9``)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }


def prepare(database_url: str, data_dir: Path) -> str:
    """Migrate and load the demo data; return a respondent link code."""
    out = subprocess.run(
        [str(BIN), "demo", "--no-serve"],
        env=_env(database_url, data_dir, 8000),
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("Đường dẫn trả lời khảo sát:"))
    return line.rsplit("/", 1)[1].strip()


def start(database_url: str, data_dir: Path, link: str, port: int | None = None) -> LiveServer:
    port = port or free_port()
    log = data_dir / f"server-{port}.log"
    handle = log.open("ab")
    process = subprocess.Popen(
        [str(BIN), "serve"],
        env=_env(database_url, data_dir, port),
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, data_dir, link, process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-2000:]}")


@contextmanager
def running(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    server = start(database_url, data_dir, prepare(database_url, data_dir))
    try:
        yield server
    finally:
        server.stop()
