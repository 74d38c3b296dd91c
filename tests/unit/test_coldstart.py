"""The collector during a cold start (mesfactures/coldstart.py): in Lambda, off from the app's creation until
its first event is answered, then on again with the cold start's objects frozen. Each case runs in an
interpreter of its own, with Lambda's AWS_LAMBDA_FUNCTION_NAME: the collector's state is the process's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

_LOAD_APP = """
import gc, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
after_import = gc.isenabled()
entry = getattr(module, sys.argv[3]) if len(sys.argv) > 3 else module.app  # as Lambda names the handler
answer = entry(json.loads(sys.argv[2]), None)
print(json.dumps({"after_import": after_import, "after_event": gc.isenabled(),
                  "frozen": gc.get_freeze_count(), "answer": answer}))
"""

_INLINE = """
import gc, json
from chalice.app import Chalice
from mesfactures.coldstart import hold_collector_through_first_event

def function(name, fails=False):
    app = Chalice(app_name=name)
    hold_collector_through_first_event(app)

    @app.lambda_function(name="handler")
    def handler(event, context):
        if fails:
            raise RuntimeError("the first event fails")
        return {"collector_during_event": gc.isenabled()}

    return handler

def serve(handler):
    try:
        return handler({}, None)
    except RuntimeError as error:
        return {"raised": str(error)}

states = []
"""


def _run(script: str, *args: str, in_lambda: bool = True) -> dict[str, Any]:
    environment = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    environment["SITE_URL"] = "http://127.0.0.1:8080"  # the Cognito trigger words links to the site
    if in_lambda:
        environment["AWS_LAMBDA_FUNCTION_NAME"] = "mesfactures-test"  # as Lambda sets it in every function
    done = subprocess.run(  # noqa: S603 (our own interpreter, fresh: the collector's state is the process's)
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=environment,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def _health(service: str) -> dict[str, Any]:
    path = f"/{service}/health"
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": path, "httpMethod": "GET", "stage": "api", "requestId": "r-1"},
        "body": None,
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize("service", ["statement", "disputes", "payments", "account"])
def test_a_function_answers_its_first_request_before_the_collector_runs_again(service: str) -> None:
    seen = _run(_LOAD_APP, str(ROOT / "services" / service / "app.py"), json.dumps(_health(service)))

    assert seen["answer"]["statusCode"] == 200
    assert seen["after_import"] is False
    assert seen["after_event"] is True
    assert seen["frozen"] > 10_000  # the cold start's objects, which later collections skip


@pytest.mark.parametrize(
    ("service", "handler", "event", "answer"),
    [
        ("notifications", "deliver_outbox", {"Records": []}, {"batchItemFailures": []}),
        # A message the portal leaves to Cognito: the event comes back as it was.
        ("notifications", "cognito_messages", {"triggerSource": "CustomMessage_SignUp"}, "unchanged"),
        ("statement", "import_files", {"Records": []}, None),
    ],
)
def test_an_event_handler_gives_the_collector_back_after_its_first_event(
    service: str, handler: str, event: dict[str, Any], answer: Any
) -> None:
    app = str(ROOT / "services" / service / "app.py")
    seen = _run(_LOAD_APP, app, json.dumps(event), handler)

    if answer is not None:
        assert seen["answer"] == (event if answer == "unchanged" else answer)
    assert seen["after_import"] is False
    assert seen["after_event"] is True


def test_outside_lambda_an_app_leaves_the_collector_alone() -> None:
    seen = _run(
        _LOAD_APP,
        str(ROOT / "services" / "statement" / "app.py"),
        json.dumps(_health("statement")),
        in_lambda=False,
    )

    # The local gateway, the tests and the tools that only read an app's routes may never serve an event.
    assert seen["answer"]["statusCode"] == 200
    assert (seen["after_import"], seen["after_event"], seen["frozen"]) == (True, True, 0)


def test_the_collector_is_off_during_the_first_event_and_on_for_the_second() -> None:
    seen = _run(
        _INLINE
        + """
handler = function("one")
first, second = serve(handler), serve(handler)
print(json.dumps({"first": first, "second": second, "enabled": gc.isenabled()}))
"""
    )

    assert seen["first"] == {"collector_during_event": False}
    assert seen["second"] == {"collector_during_event": True}
    assert seen["enabled"] is True


def test_a_first_event_that_fails_still_gives_the_collector_back() -> None:
    seen = _run(
        _INLINE
        + """
handler = function("failing", fails=True)
print(json.dumps({"answer": serve(handler), "enabled": gc.isenabled()}))
"""
    )

    assert seen == {"answer": {"raised": "the first event fails"}, "enabled": True}


def test_the_first_event_of_any_app_of_the_process_gives_the_collector_back() -> None:
    seen = _run(
        _INLINE
        + """
first, second = function("first"), function("second")
states.append(gc.isenabled())
states.append(serve(second))
states.append(gc.isenabled())
states.append(serve(first))
third = function("loaded once the process is warm")
states.append(serve(third))
print(json.dumps({"states": states, "frozen_once": gc.get_freeze_count() > 0}))
"""
    )

    # The local gateway and the tests load several apps in one process: the cold start is the process's.
    assert seen["states"] == [
        False,
        {"collector_during_event": False},
        True,
        {"collector_during_event": True},
        {"collector_during_event": True},
    ]
    assert seen["frozen_once"] is True


def test_a_process_that_runs_without_the_collector_keeps_it_off() -> None:
    seen = _run(
        _INLINE
        + """
gc.disable()
handler = function("one")
print(json.dumps({"answer": serve(handler), "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""
    )

    assert seen == {"answer": {"collector_during_event": False}, "enabled": False, "frozen": 0}
