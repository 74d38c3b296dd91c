"""A function's cold start: CPython's collector held until the process has answered its first event.

A cold start makes some 300,000 objects that live as long as the process: the modules, botocore's service
models and endpoints, the clients. CPython's cyclic collector, triggered by every 700 allocations, walks
them again and again while they are being made, and finds nothing to free: measured on this project's
functions, a quarter to a third of their first request (docs/decisions.md, "The collector during a cold
start"). So the first app created in a process turns the collector off, and the first event that any app
of the process answers turns it on again, after moving every object made so far to the permanent
generation (`gc.freeze`: later collections skip them, the warm requests' too).

The collector's state belongs to the process, so this does too, once per process; and only in Lambda,
whose instance is a process that serves events one at a time from its start (the local gateway builds its
clients when it starts, and a test or a tool may load an app and never serve an event).

What this costs: a reference cycle that became garbage before the release is never freed. Those are the
cold start's own (an import's leftovers, the first request's), bounded by one event (for the import
function, one slice of a file); the memory rows of `make bench` measure each function's peak with this in
place, the import's included.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice

LAMBDA_FUNCTION_VARIABLE = "AWS_LAMBDA_FUNCTION_NAME"  # set by Lambda in every function


class _ColdStart:
    """Whether this process's cold start holds the collector, and the one release of it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._began = False
        self._holding = False

    def begin(self) -> None:
        """The first call holds the collector, if it is on; whoever turned it off turns it back on."""
        with self._lock:
            if self._began:
                return
            self._began = True
            if gc.isenabled():
                gc.disable()
                self._holding = True

    def end(self) -> None:
        if not self._holding:  # the usual case, once warm: no lock taken
            return
        with self._lock:
            if self._holding:
                self._holding = False
                gc.freeze()
                gc.enable()


_COLD_START = _ColdStart()


def _release_after_event(event: Any, get_response: Callable[[Any], Any]) -> Any:
    try:
        return get_response(event)
    finally:
        _COLD_START.end()


def hold_collector_through_first_event(app: Chalice) -> None:
    """In a Lambda function (`AWS_LAMBDA_FUNCTION_NAME`, which Lambda sets), holds the collector from now
    (if this is the process's first app and the collector is on) until an app of the process has answered
    an event of any kind (a route, a queue's message, a stream's records, a Cognito trigger), whether it
    succeeded or not. Elsewhere (the local gateway, which builds its clients when it starts; tests; tools
    that load an app only to read its routes) it does nothing: such a process may never serve an event."""
    if LAMBDA_FUNCTION_VARIABLE not in os.environ:
        return
    _COLD_START.begin()
    app.register_middleware(_release_after_event, "all")
