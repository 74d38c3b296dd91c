"""One Chalice app per feature area through `chalice.cdk`, each with a role of its own that the stack grants
only what that area uses (Chalice's generated role would allow queues and streams on `Resource: "*"`)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from chalice.app import Chalice as ChaliceApp
from chalice.cdk import Chalice
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from infra.portal.sizing import ARCHITECTURE
from infra.stages import Stage

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


@contextlib.contextmanager
def loading_app(project_dir: Path) -> Iterator[None]:
    """Lets Chalice import this project's `app` and leaves the process as it was.

    Every service's module is `app`: Chalice imports it by that name, and puts the project's folder first on
    `sys.path` only when it is not there yet, so a second synthesis in one process would package the app
    loaded last. It also copies the stage's environment (CDK tokens) into `os.environ`."""
    environment, path = dict(os.environ), list(sys.path)
    sys.modules.pop("app", None)
    sys.path[:] = [entry for entry in sys.path if entry != str(project_dir)]
    try:
        yield
    finally:
        sys.modules.pop("app", None)
        sys.path[:] = path
        os.environ.clear()
        os.environ.update(environment)


class Service(Construct):
    """A Chalice app: its functions are named `<stage prefix>-<area>-<handler>`, with log groups of ours."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: Stage,
        area: str,
        environment: Mapping[str, str],
        memory_mb: int,
        apart: Collection[str] = (),
    ) -> None:
        """`apart`: the logical ids of functions that run under a role of their own, which the stack grants
        nothing: they share the app's code, not its permissions."""
        super().__init__(scope, construct_id)
        self.area = area
        self._stage_prefix = stage.prefix
        self._environment = dict(environment)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"The {area} service's functions",
        )
        config: dict[str, Any] = {
            "manage_iam_role": False,
            "iam_role_arn": self.role.role_arn,
            "environment_variables": dict(environment),
            "lambda_memory_size": memory_mb,
            "lambda_timeout": 30,
            "xray": True,
            # Used by the apps with routes: the API behind CloudFront, its stage named as the path's prefix.
            "api_gateway_stage": "api",
            "api_gateway_endpoint_type": "REGIONAL",
        }
        with loading_app(SERVICES_DIR / area):
            self.app = Chalice(
                self,
                "App",
                source_dir=str(SERVICES_DIR / area),
                stage_config=config,
                preserve_logical_ids=False,
            )
            function_ids = _function_ids(sys.modules["app"].app)
        self.functions: dict[str, cdk.CfnResource] = {}
        self.function_names: list[str] = []
        self.roles = {logical_id: self._role_apart(logical_id) for logical_id in apart}
        self._name_functions(stage, function_ids)
        if "APIHandler" in function_ids:
            api = self.app.get_resource("RestAPI")
            # Chalice's `xray` traces the functions, not the API stage.
            api.add_property_override("TracingEnabled", True)
            # Chalice names the API after the app: dev's and prod's would share a name (and alarms).
            api.add_property_override("Name", self.api_name)

    def _name_functions(self, stage: Stage, function_ids: list[str]) -> None:
        template = self.app.sam_template
        for logical_id in function_ids:
            function = template.get_resource(logical_id)
            name = f"{stage.prefix}-{self.area}-{_kebab(logical_id)}"
            function.add_property_override("FunctionName", name)
            function.add_property_override("Architectures", [ARCHITECTURE])
            log_group = logs.LogGroup(
                self,
                f"{logical_id}Logs",
                log_group_name=f"/aws/lambda/{name}",
                retention=stage.log_retention,
                removal_policy=cdk.RemovalPolicy.DESTROY,
            )
            function.node.add_dependency(log_group)
            self.functions[logical_id] = function
            self.function_names.append(name)
            self.roles.get(logical_id, self.role).add_to_policy(
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[f"{log_group.log_group_arn}"],
                )
            )
        for role in [self.role, *self.roles.values()]:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
                )
            )

    def _role_apart(self, logical_id: str) -> iam.Role:
        role = iam.Role(
            self,
            f"{logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"The {self.area} service's {logical_id} function alone",
        )
        self.app.get_resource(logical_id).add_property_override("Role", role.role_arn)
        return role

    @property
    def rest_api_id(self) -> str:
        return str(self.app.get_resource("RestAPI").ref)

    @property
    def api_name(self) -> str:
        """The API's name, under which CloudWatch files its metrics."""
        return f"{self._stage_prefix}-{self.area}"

    def function(self, logical_id: str) -> lambda_.IFunction:
        """One of the app's functions, for another part of the stack to invoke. Imported as a function of
        this stack's account: `chalice.cdk`'s `get_function` imports it as foreign, and CDK then drops the
        invoke permissions granted on it."""
        return lambda_.Function.from_function_attributes(
            self,
            f"{logical_id}Function",
            function_arn=self.app.get_resource(logical_id).get_att("Arn").to_string(),
            same_environment=True,
        )

    def limit_environment(self, logical_id: str, *, keep: Collection[str]) -> None:
        """Leaves one function only the variables in `keep`, of those the app's functions share."""
        function = self.app.get_resource(logical_id)
        for name in sorted(self._environment.keys() - set(keep)):
            function.add_property_deletion_override(f"Environment.Variables.{name}")

    def event_source(self, logical_id: str, event: str, properties: Mapping[str, Any]) -> None:
        """Overrides the properties of one of a function's event sources (the queue's or the stream's ARN,
        known only here), as Chalice's decorators fix them at import time."""
        function = self.app.get_resource(logical_id)
        for key, value in properties.items():
            function.add_property_override(f"Events.{event}.Properties.{key}", value)


def _function_ids(app: ChaliceApp) -> list[str]:
    """The logical ids Chalice gives the app's functions: one for all routes, one per other handler."""
    names = [source.name for source in app.event_sources]
    names += [function.name for function in app.pure_lambda_functions]
    names += [authorizer.name for authorizer in app.builtin_auth_handlers]
    return (["APIHandler"] if app.routes else []) + [to_cfn_resource_name(name) for name in names]


def _kebab(logical_id: str) -> str:
    return (
        "api"
        if logical_id == "APIHandler"
        else "".join(f"-{c.lower()}" if c.isupper() else c for c in logical_id).lstrip("-")
    )
