"""Work on untrusted input in a child process with a time limit and a memory limit.

A spreadsheet of three million rows, a zip bomb dressed as a DOCX or an XML billion-laughs would
otherwise be parsed in the server process: on its event loop it stalls every request (on SQLite,
one process serves everybody), in a thread it still holds the interpreter lock, and either way
its memory is the server's. Here each such piece of work runs in its own child process, forked
from a small fork server that has the parsing libraries already imported:

* its address space is capped (``RLIMIT_AS``), so a bomb ends in ``MemoryError`` or a kill in
  the child, never in the server;
* it is killed when its time is up, and when the server dies (``PR_SET_PDEATHSIG``);
* at most ``CONCURRENT`` run at once per server process; the others wait their turn.

The server process only waits on a pipe, in a thread. What the work raises comes back as it
is (it must be picklable); running out of time or memory is :class:`WorkRefused`.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import anyio

from survey_server.errors import AppError
from survey_server.i18n import N_

T = TypeVar("T")
MB = 1024 * 1024
CONCURRENT = 2
#: Modules the fork server imports once, so each child starts in milliseconds.
PRELOAD = ["survey_server.bounded_preload"]
_PR_SET_PDEATHSIG = 1

_CONTEXT: Any = None
_LIMITERS: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()


class WorkRefused(AppError):
    """The work ran out of its time (``reason`` ``time``) or memory (``memory``): a request
    that asked too much, said as such (callers that know the request say it better)."""

    status_code = 422
    code = "work_refused"
    message = N_(
        "Yêu cầu cần quá nhiều thời gian hoặc bộ nhớ nên đã dừng; hãy chia thành những phần nhỏ "
        "hơn rồi thử lại."
    )

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (Linux), so no child outlives
    a ``kill -9`` of the server; and leave at once if the parent is already gone."""
    parent = os.getppid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the work's time limit still ends it
        return
    if os.getppid() != parent:
        os._exit(1)


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(PRELOAD)
    return _CONTEXT


def _child(
    connection: Connection, work: Callable[..., Any], args: tuple[Any, ...], memory: int
) -> None:
    die_with_parent()
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        outcome: tuple[str, Any] = ("ok", work(*args))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as error:  # the work's own refusal, handed back to the caller
        outcome = ("error", error)
    try:
        connection.send(outcome)
    except MemoryError:
        connection.send(("memory", None))
    finally:
        connection.close()


def _limiter() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _LIMITERS:
        _LIMITERS[loop] = asyncio.Semaphore(CONCURRENT)
    return _LIMITERS[loop]


async def run_bounded(work: Callable[..., T], *args: Any, seconds: float, memory_mb: int) -> T:
    """``work(*args)`` in a child process of at most ``memory_mb`` MB of address space, killed
    after ``seconds``; its result, or what it raised, or :class:`WorkRefused`."""
    async with _limiter():
        return await anyio.to_thread.run_sync(_run, work, args, seconds, memory_mb * MB)


def _run(work: Callable[..., T], args: tuple[Any, ...], seconds: float, memory: int) -> T:
    context = _context()
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sending, work, args, memory), daemon=True)
    process.start()
    sending.close()
    try:
        if not receiving.poll(seconds):
            raise WorkRefused("time")
        try:
            status, value = receiving.recv()
        except EOFError:  # killed before it could answer: the kernel's out-of-memory killer
            raise WorkRefused("memory") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiving.close()
    if status == "ok":
        return value  # type: ignore[no-any-return]
    if status == "memory":
        raise WorkRefused("memory")
    raise value
