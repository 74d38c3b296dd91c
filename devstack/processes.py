"""Starting the emulators as child processes that die with the stack, and waiting until they answer."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def free_soon(port: int, timeout: float = 20) -> bool:
    """Whether the port is free, or becomes so within `timeout`: a stack stopped a moment ago may still
    be letting go of it (an emulator killed after its grace period) when the next one starts."""
    deadline = time.monotonic() + timeout
    while port_is_open(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def wait_for_port(port: int, name: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_is_open(port):
            return
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}; see its log")
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def start(
    command: list[str], log: Path, cwd: Path | None = None, environment: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Starts `command` with the stack's environment, plus `environment`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("ab")
    # A session of its own: Ctrl-C reaches the stack, which then stops its consumers (saving the document
    # store) before the emulators; the parent-death signal still ends them if the stack is killed.
    return subprocess.Popen(  # noqa: S603 (our own fixed command lines)
        command,
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env={**os.environ, **(environment or {})},
        preexec_fn=_die_with_parent,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)  # gone, and its ports with it, before the caller goes on
