"""`python -m bench.serve DATA_DIR`: the benchmark's stack in a process of its own, as the portal runs apart
from its clients; the benchmark's own requests then do not share an interpreter lock with the gateway.
Prints `ready` once the gateway answers, then the settings the functions read (JSON: the environment a
function of this stack gets, for the benchmark's own Lambda-like calls); SIGTERM stops it."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

from bench.portal import bench_config
from devstack import stack as devstack

# What a function's settings read (mesfactures/settings.py) and where its SDKs point: the names it has in AWS.
FUNCTION_SETTINGS = ("AWS_", "LEDGER_", "DOCUMENT_", "COGNITO_", "MAIL_", "SITE_", "STRIPE_", "IMPORT_")


def main() -> None:
    running = devstack.start(bench_config(Path(sys.argv[1])))
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print("ready", flush=True)
    settings = {name: value for name, value in os.environ.items() if name.startswith(FUNCTION_SETTINGS)}
    print(json.dumps(settings), flush=True)
    try:
        stopped.wait()
    finally:
        running.stop()


if __name__ == "__main__":
    main()
