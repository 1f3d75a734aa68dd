"""Run an object in a child process and call its methods as if it were local.

Why: MediaPipe holds Python's GIL while it runs the pose model, so two live connections served
by threads of one server process share one core (measured on 2 cores: 74 frames/s alone, 38
each for two threads, 73 each for two processes). Each live connection's engine, and each
upload's analysis, therefore runs in a process of its own; the server process only does I/O.

Children are forked from a fork server that has imported the engine once (about 0.05 s per
child instead of 0.8 s for a fresh interpreter), never from the threaded server process itself.
As with any multiprocessing start method but fork, a script that embeds the app must guard its
main module (`if __name__ == "__main__":`); `rom serve` and pytest do.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from collections.abc import Callable
from typing import Any

# What the fork server imports once, so that every child starts with them loaded.
# The protocols' live rules and analyses are imported by the protocol when first used; a live
# connection's first frame would otherwise wait for them (seen: a 2.4 s stall at the start).
PRELOAD = ["cv2", "numpy", "rom.analysis", "rom.live.session", "rom.capture.pose.mediapipe_backend",
           "rom.protocols.slr.live", "rom.protocols.slr.trials", "rom.protocols.hinge.live",
           "rom.protocols.hinge.measure", "rom.protocols.ake.live", "rom.protocols.ake.measure",
           "web.services.live_engine", "web.uploads"]

_ctx = None
_ctx_lock = threading.Lock()
_emit_conn = None  # in a child: where emit() sends progress messages


def _context():
    global _ctx
    with _ctx_lock:
        if _ctx is None:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _ctx = ctx
        return _ctx


def emit(message: Any) -> None:
    """From code running in a child: pass a message (e.g. progress) to the caller's
    on_message while a call is under way. Does nothing outside a child."""
    if _emit_conn is not None:
        _emit_conn.send(("msg", message))


class ChildProcess:
    """`factory(*args)` built and kept in a child process; `call(name, *args)` runs its method
    there and returns the result, or raises the exception it raised. One call at a time."""

    def __init__(self, factory: Callable[..., Any], *args: Any):
        ctx = _context()
        self._conn, child_conn = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child_conn, factory, args), daemon=True)
        self._proc.start()
        child_conn.close()
        self._reply()  # the object is built (or its error raised here)

    def call(self, name: str, *args: Any, on_message: Callable[[Any], None] | None = None) -> Any:
        self._conn.send((name, args))
        return self._reply(on_message)

    def alive(self) -> bool:
        """Whether the child process still runs (a call's exception may come from it dying)."""
        return self._proc.is_alive()

    def _reply(self, on_message=None):
        while True:
            try:
                kind, value = self._conn.recv()
            except (EOFError, OSError) as e:
                raise RuntimeError(f"the worker process stopped (exit code {self._proc.exitcode})") from e
            if kind == "msg":
                if on_message is not None:
                    on_message(value)
            elif kind == "ok":
                return value
            else:
                raise value

    def close(self) -> None:
        try:
            self._conn.send(("close", ()))
        except (OSError, ValueError):
            pass
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        self._conn.close()

    def __enter__(self) -> ChildProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class InProcess:
    """The same interface without a child process (LIVE_ENGINE='thread'; for comparison)."""

    def __init__(self, factory: Callable[..., Any], *args: Any):
        self._obj = factory(*args)

    def call(self, name: str, *args: Any, on_message: Callable[[Any], None] | None = None) -> Any:
        return getattr(self._obj, name)(*args)

    def alive(self) -> bool:
        return True

    def close(self) -> None:
        close = getattr(self._obj, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve(conn, factory, args) -> None:
    global _emit_conn
    _emit_conn = conn
    try:
        obj = factory(*args)
    except BaseException as e:  # reported to the parent, which raises it
        conn.send(("err", _picklable(e)))
        return
    conn.send(("ok", None))
    try:
        while True:
            try:
                name, call_args = conn.recv()
            except EOFError:  # the parent went away
                return
            if name == "close":
                return
            try:
                conn.send(("ok", getattr(obj, name)(*call_args)))
            except Exception as e:
                conn.send(("err", _picklable(e)))
    finally:
        close = getattr(obj, "close", None)
        if close is not None:
            close()


def _picklable(e: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else a RuntimeError with its text."""
    import pickle

    try:
        pickle.loads(pickle.dumps(e))
        return e
    except Exception:
        return RuntimeError(f"{type(e).__name__}: {e}")
