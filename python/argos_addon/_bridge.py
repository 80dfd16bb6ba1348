"""Settles asyncio futures from the Rust runtime, on the event loop's own thread.

Each running loop gets one ``Completions`` queue and a pipe: a finished call queues its value in
Rust and writes a byte when the queue was empty; the loop's reader drains the queue, so a burst
of completions costs one wake-up and no runtime thread ever enters the interpreter.

A native operation blocks and returns its value when called as is; given a last argument
``(completions, call_id)``, its target, it starts on the runtime instead and returns at once.
"""

from __future__ import annotations

import itertools
import os
import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict

from . import _native

if TYPE_CHECKING:
    import asyncio

__all__ = ["start"]


class _LoopBridge:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        self._loop = loop
        self._read_fd = read_fd
        self.completions = _native.Completions(write_fd)
        self._futures: Dict[int, "asyncio.Future[Any]"] = {}
        self._ids = itertools.count(1)
        loop.add_reader(read_fd, self._drain)
        # Closes the pipe once the loop is gone (no call can be pending then).
        weakref.finalize(loop, _close, read_fd, write_fd)

    def start(self, method: Callable[..., object], args: tuple[Any, ...]) -> "asyncio.Future[Any]":
        call_id = next(self._ids)
        future = self._loop.create_future()
        method(*args, (self.completions, call_id))
        self._futures[call_id] = future
        future.add_done_callback(lambda f: self._forget(call_id, f))
        return future

    def _forget(self, call_id: int, future: "asyncio.Future[Any]") -> None:
        if future.cancelled() and self._futures.pop(call_id, None) is not None:
            self.completions.cancel(call_id)

    def _drain(self) -> None:
        try:
            os.read(self._read_fd, 65536)
        except BlockingIOError:
            pass
        for call_id, value, error in self.completions.drain():
            future = self._futures.pop(call_id, None)
            if future is None or future.done():
                continue
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)


def _close(*fds: int) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


_bridges: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopBridge]" = weakref.WeakKeyDictionary()


def start(method: Callable[..., object], *args: Any) -> "asyncio.Future[Any]":
    """Starts ``method(*args, (completions, call_id))`` and returns the future it will settle."""
    # Imported here: asyncio costs ~50 ms to import, and only async callers need it (they have
    # imported it already).
    import asyncio

    loop = asyncio.get_running_loop()
    bridge = _bridges.get(loop)
    if bridge is None:
        bridge = _bridges[loop] = _LoopBridge(loop)
    return bridge.start(method, args)
