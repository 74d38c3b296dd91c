"""One cold Lambda instance, as Lambda runs it: a fresh interpreter imports the function's app and serves
its first request through the Lambda entry point `app(event, context)`, with an API Gateway event built
as AWS sends it. Then, for memory and the bill, the same instance serves a realistic mix of requests;
its peak resident memory (VmHWM) and each request's warm duration are reported.

The floor is the same kind of process running a minimal Chalice function that verifies nothing and makes
the same DynamoDB call with boto3 (and imports stripe where the function does, for the checkout).

`python -m bench.firstrequest` reads its instructions as JSON on stdin, before its clock starts, and
prints one JSON line. Standard library only until the clock starts: both sides pay the same interpreter.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.lambda_events import LambdaContext

ROOT = Path(__file__).resolve().parent.parent


def _load_app(service: str) -> Any:
    spec = importlib.util.spec_from_file_location("app", ROOT / "services" / service / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(service)
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    return module.app


def _floor_app(resource_path: str, method: str, call: dict[str, Any]) -> Any:
    """A Chalice function that verifies nothing and makes one DynamoDB call with boto3."""
    import boto3
    from chalice.app import Chalice

    if call.get("stripe"):
        import stripe  # noqa: F401 (the checkout's function loads the SDK: so does its floor)

    app = Chalice(app_name="floor")

    @app.route(resource_path, methods=[method])
    def view(**_params: str) -> dict[str, Any]:
        client = boto3.session.Session().client("dynamodb")
        answer = getattr(client, call["operation"])(**call["parameters"])
        return {"ok": True, "items": len(answer.get("Items", []))}

    return app


def _peak_kb() -> int:
    """The process's peak resident memory since its exec (VmHWM), as Lambda's "Max Memory Used" counts it.
    Not `ru_maxrss`: a child's starts from its parent's size at fork, before the exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _status(response: Any) -> int:
    return int(response.get("statusCode", 0)) if isinstance(response, dict) else 0


def run(instructions: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext(instructions["function"])
    event = instructions["event"]
    started = time.perf_counter()
    if instructions["mode"] == "floor":
        app = _floor_app(event["resource"], event["httpMethod"], instructions["call"])
        entry = app
    else:
        app = _load_app(instructions["function"])
        entry = getattr(sys.modules["app"], instructions.get("entry") or "app")
    imported_rss = _peak_kb()  # a few microseconds
    first = entry(event, context)
    first_ms = (time.perf_counter() - started) * 1000
    result: dict[str, Any] = {"first_ms": first_ms, "status": _status(first)}
    if instructions.get("entry"):
        result["status"] = 200  # an event handler, not a route: it answered without raising
    elif _status(first) >= 400 or _status(first) == 0:
        result["body"] = str(first)[:500]
    warm: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    for label, mixed_event, handler in instructions.get("mix", []):
        entry = getattr(sys.modules["app"], handler) if handler else app
        began = time.perf_counter()
        answer = entry(mixed_event, LambdaContext(instructions["function"]))
        warm.setdefault(label, []).append((time.perf_counter() - began) * 1000)
        statuses[label] = _status(answer) if handler is None else 200
        if statuses[label] >= 400:
            result.setdefault("mix_errors", []).append(f"{label}: {str(answer)[:300]}")
    result["warm_ms"] = warm
    result["mix_statuses"] = statuses
    result["max_rss_mb"] = _peak_kb() / 1024
    result["imported_rss_mb"] = imported_rss / 1024
    return result


def main() -> None:
    print(json.dumps(run(json.load(sys.stdin))))


if __name__ == "__main__":
    main()
