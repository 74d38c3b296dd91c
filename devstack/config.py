"""Where the local stack listens and keeps its data; the environment every part of it shares."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-3"


@dataclass(frozen=True)
class StackConfig:
    gateway_port: int = 8080
    dynamodb_port: int = 8000
    moto_port: int = 5000
    # The local Cognito (devstack/cognito.py), in front of moto's; None: the port after moto's, so that a
    # stack configured before it existed (the benchmark's) gets one of its own.
    cognito_port: int | None = None
    stripe_port: int = 12111
    data_dir: Path = ROOT / "var"
    table_name: str = "mesfactures-ledger"
    bucket_name: str = "mesfactures-documents-local"
    user_pool_name: str = "mesfactures-local"
    meter_port: int | None = None  # set: the services reach DynamoDB through a counting proxy
    mail_link_port: int | None = None  # set: the services reach SES through a link that can fail on demand

    @property
    def services_dynamodb_url(self) -> str:
        return f"http://127.0.0.1:{self.meter_port}" if self.meter_port else self.dynamodb_url

    @property
    def dynamodb_url(self) -> str:
        return f"http://127.0.0.1:{self.dynamodb_port}"

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    @property
    def cognito_listen_port(self) -> int:
        return self.cognito_port if self.cognito_port is not None else self.moto_port + 1

    @property
    def cognito_url(self) -> str:
        return f"http://127.0.0.1:{self.cognito_listen_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"


def aws_environment(config: StackConfig) -> dict[str, str]:
    """Variables that point boto3 and pynamodb at the local stack, and keep them off the network."""
    return {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        # Every AWS service goes to moto unless named otherwise: nothing can reach the real AWS.
        "AWS_ENDPOINT_URL": config.moto_url,
        "AWS_ENDPOINT_URL_DYNAMODB": config.services_dynamodb_url,
        "AWS_ENDPOINT_URL_SQS": config.moto_url,
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": config.dynamodb_url,
        "AWS_ENDPOINT_URL_S3": config.moto_url,
        "AWS_ENDPOINT_URL_SES": f"http://127.0.0.1:{config.mail_link_port}"
        if config.mail_link_port
        else config.moto_url,
        # Cognito's API goes through the local Cognito (invitations, reset codes, expiry, persistence); the
        # pool's keys (JWKS) are read from moto itself.
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": config.cognito_url,
        "LEDGER_TABLE": config.table_name,
        "DOCUMENT_BUCKET": config.bucket_name,
    }


def apply_environment(values: dict[str, str]) -> None:
    os.environ.update(values)
