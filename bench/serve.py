"""`python -m bench.serve DATA_DIR`: the benchmark's stack in a process of its own, as the portal runs apart
from its clients; the benchmark's own requests then do not share an interpreter lock with the gateway.
Prints `ready` once the gateway answers; SIGTERM stops it."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from bench.portal import bench_config
from devstack import stack as devstack


def main() -> None:
    running = devstack.start(bench_config(Path(sys.argv[1])))
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print("ready", flush=True)
    try:
        stopped.wait()
    finally:
        running.stop()


if __name__ == "__main__":
    main()
