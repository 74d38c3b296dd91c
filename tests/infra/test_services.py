"""The five Chalice apps: roles of their own, least privilege, environment from the stack, event sources."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

from infra.packaging import BUDGET_BYTES, package_sizes
from infra.portal.sizing import ARCHITECTURE, HEADROOM, LAMBDA_MINIMUM_MB, MEASURED_PEAK_MB, MEMORY_MB
from infra.vendoring import is_compiled
from mesfactures.areas import AREAS
from tests.infra.conftest import ROOT, of_type

WILDCARD_ONLY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "dynamodb:ListStreams"}
# Read by mesfactures.settings.settings_from: a function without one of them refuses to start.
COGNITO_MESSAGES = "mesfactures-dev-notifications-cognito-messages"
REQUIRED_ENVIRONMENT = ("LEDGER_TABLE", "DOCUMENT_BUCKET", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID")


def _functions(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["FunctionName"]: r["Properties"]
        for r in of_type(resources, "AWS::Serverless::Function").values()
    }


def _statements_of_role(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in of_type(resources, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_each_service_runs_under_a_role_of_its_own(resources: dict[str, Any]) -> None:
    functions = _functions(resources)
    roles: dict[str, set[str]] = {f"mesfactures-dev-{area}": set() for area in AREAS}

    for name, function in functions.items():
        if name == COGNITO_MESSAGES:
            continue  # a role of its own, with nothing of its app's (tests/infra/test_access.py)
        area = next(a for a in AREAS if name.startswith(f"mesfactures-dev-{a}-"))
        roles[f"mesfactures-dev-{area}"].add(function["Role"]["Fn::GetAtt"][0])

    assert sorted(functions) == [
        "mesfactures-dev-account-api",
        "mesfactures-dev-disputes-api",
        "mesfactures-dev-notifications-cognito-messages",
        "mesfactures-dev-notifications-deliver-outbox",
        "mesfactures-dev-payments-api",
        "mesfactures-dev-statement-api",
        "mesfactures-dev-statement-import-files",
    ]
    assert all(len(role) == 1 for role in roles.values())
    assert len(set.union(*roles.values())) == len(AREAS)


def test_no_service_policy_grants_a_resource_that_could_be_named(resources: dict[str, Any]) -> None:
    functions = _functions(resources)
    service_roles = {function["Role"]["Fn::GetAtt"][0] for function in functions.values()}

    for role in service_roles:
        for statement in _statements_of_role(resources, role):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if statement["Resource"] == "*":
                # These actions have no resource type: "*" is the only value they take.
                assert set(actions) <= WILDCARD_ONLY, (role, actions)


def test_only_the_services_that_need_them_may_touch_documents_mail_and_stripe(
    resources: dict[str, Any],
) -> None:
    def actions_of(area: str) -> set[str]:
        functions = _functions(resources)
        role = next(
            f["Role"]["Fn::GetAtt"][0]
            for n, f in functions.items()
            if n.startswith(f"mesfactures-dev-{area}-") and n != COGNITO_MESSAGES
        )
        found: set[str] = set()
        for statement in _statements_of_role(resources, role):
            found.update(
                statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            )
        return found

    assert "ses:SendEmail" in actions_of("notifications")
    assert not any(a.startswith("ses:") for area in AREAS[:4] for a in actions_of(area))
    assert "secretsmanager:GetSecretValue" in actions_of("payments")
    assert not any(
        a.startswith("secretsmanager:") for area in AREAS if area != "payments" for a in actions_of(area)
    )
    assert not any(a.startswith("s3:") for area in ("account", "payments") for a in actions_of(area))
    assert "s3:PutObject" in actions_of("disputes")
    # notifications writes the lifecycle statuses the portal reports, and nothing else of the store.
    written = {a for a in actions_of("notifications") if a.startswith("s3:")}
    assert "s3:PutObject" in written
    assert all(a.startswith(("s3:PutObject", "s3:Abort")) for a in written), written


def _object_prefixes(resources: dict[str, Any], area: str, but: str = "") -> dict[str, set[str]]:
    """For each S3 object action of a service's role, the key patterns it is allowed on (`but`: a function
    of the service that runs under a role of its own)."""
    functions = _functions(resources)
    role = next(
        f["Role"]["Fn::GetAtt"][0]
        for n, f in functions.items()
        if n.startswith(f"mesfactures-dev-{area}-") and n != but
    )
    allowed: dict[str, set[str]] = {}
    for statement in _statements_of_role(resources, role):
        targets = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for target in targets:
            joined = target.get("Fn::Join", ["", []])[1] if isinstance(target, dict) else [target]
            suffix = joined[-1] if joined and isinstance(joined[-1], str) else ""
            for action in actions:
                if action.startswith("s3:") and suffix.startswith("/"):
                    allowed.setdefault(action, set()).add(suffix.removeprefix("/"))
    return allowed


def test_each_service_reaches_only_its_own_prefixes_of_the_document_bucket(resources: dict[str, Any]) -> None:
    statement = _object_prefixes(resources, "statement")
    disputes = _object_prefixes(resources, "disputes")

    assert statement["s3:PutObject"] == {"imports/reports/*", "documents/*"}
    assert statement["s3:GetObject*"] == {"imports/*", "documents/*"}
    assert "s3:DeleteObject*" not in statement
    assert disputes["s3:PutObject"] == {"uploads/*", "attachments/*"}
    assert disputes["s3:DeleteObject*"] == {"uploads/*", "attachments/*"}
    assert not any("documents/*" in prefixes or "imports/*" in prefixes for prefixes in disputes.values())
    notifications = _object_prefixes(resources, "notifications", but=COGNITO_MESSAGES)
    assert set().union(*notifications.values()) == {"einvoicing/outbox/*"}


def test_each_api_is_named_after_its_stage_and_traced(resources: dict[str, Any]) -> None:
    apis = [r["Properties"] for r in of_type(resources, "AWS::Serverless::Api").values()]

    assert sorted(api["Name"] for api in apis) == [f"mesfactures-dev-{area}" for area in sorted(AREAS[:4])]
    assert all(api["TracingEnabled"] is True and api["StageName"] == "api" for api in apis)
    assert all(api["EndpointConfiguration"] == "REGIONAL" for api in apis)


def test_the_functions_read_their_settings_from_the_stack(resources: dict[str, Any]) -> None:
    functions = _functions(resources)

    for function_name, function in functions.items():
        variables = function["Environment"]["Variables"]
        assert variables["SITE_URL"] == "https://dev.mesfactures.example"
        if function_name == COGNITO_MESSAGES:
            continue  # Cognito's trigger: it renders mails from SITE_URL alone (tests/infra/test_access.py)
        for name in REQUIRED_ENVIRONMENT:
            assert isinstance(variables[name], dict), name  # a Ref or a GetAtt, never a copied literal


def test_the_stripe_keys_are_named_never_given(resources: dict[str, Any]) -> None:
    functions = _functions(resources)
    payments = functions["mesfactures-dev-payments-api"]

    assert payments["Environment"]["Variables"]["STRIPE_SECRET_ID"] == "mesfactures-dev/stripe"
    for function in functions.values():
        assert (
            not {"STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"} & function["Environment"]["Variables"].keys()
        )
    reads = [
        statement["Resource"]
        for statement in _statements_of_role(resources, payments["Role"]["Fn::GetAtt"][0])
        if "secretsmanager:GetSecretValue" in statement["Action"]
    ]
    assert len(reads) == 1
    assert reads[0]["Fn::Join"][1][-1] == ":secret:mesfactures-dev/stripe-??????"


def test_the_import_queue_and_the_outbox_stream_feed_their_functions(resources: dict[str, Any]) -> None:
    functions = _functions(resources)

    (imports,) = functions["mesfactures-dev-statement-import-files"]["Events"].values()
    assert imports["Type"] == "SQS"
    assert imports["Properties"]["Queue"]["Fn::GetAtt"][0].startswith("DocumentsImportQueue")
    (outbox,) = functions["mesfactures-dev-notifications-deliver-outbox"]["Events"].values()
    assert outbox["Type"] == "DynamoDB"
    assert outbox["Properties"]["Stream"]["Fn::GetAtt"][1] == "StreamArn"
    failure = outbox["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    assert failure["Fn::GetAtt"][0].startswith("OutboxDeadLetters")
    (pattern,) = outbox["Properties"]["FilterCriteria"]["Filters"]
    assert json.loads(pattern["Pattern"])["dynamodb"]["NewImage"]["kind"] == {
        "S": ["outbox", "status_message"]
    }
    # The handler names the record that failed: only it and those after it come back, not the mails
    # already sent before it in the batch.
    assert outbox["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_each_function_has_a_log_group_with_retention(resources: dict[str, Any]) -> None:
    groups = {
        g["Properties"]["LogGroupName"]: g["Properties"]
        for g in of_type(resources, "AWS::Logs::LogGroup").values()
    }

    for name in _functions(resources):
        assert groups[f"/aws/lambda/{name}"]["RetentionInDays"] == 30


def test_each_function_package_stays_under_five_megabytes_zipped() -> None:
    sizes = package_sizes()

    assert sorted(sizes) == sorted(AREAS)
    assert all(size < BUDGET_BYTES for size in sizes.values()), sizes


def test_each_function_runs_on_arm64_with_the_memory_its_measured_peak_calls_for(
    resources: dict[str, Any],
) -> None:
    functions = _functions(resources)
    sized = {name: "import" if name.endswith("-import-files") else name.split("-")[2] for name in functions}

    assert {properties["Architectures"][0] for properties in functions.values()} == {ARCHITECTURE}
    for name, properties in functions.items():
        function = sized[name]
        assert properties["MemorySize"] == MEMORY_MB[function], name
        # The rule make bench checks: the headroom over the peak, and no more than twice the peak (or
        # Lambda's minimum), so a size left over from a heavier past is refused too.
        peak = MEASURED_PEAK_MB[function]
        assert peak * HEADROOM <= properties["MemorySize"] <= max(LAMBDA_MINIMUM_MB, 2 * peak), name


def test_the_packages_built_for_arm64_ship_no_file_compiled_for_this_machine(template: Template) -> None:
    shipped = [
        str(path.relative_to(ROOT))
        for area in AREAS
        for path in (ROOT / "services" / area / "vendor").rglob("*")
        if path.is_file() and is_compiled(path)
    ]

    assert (ROOT / "services" / "payments" / "vendor" / "stripe").is_dir(), "vendored by the synthesis"
    assert shipped == []
