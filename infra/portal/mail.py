"""SES: the sending domain (verified through the DNS records it outputs) and a configuration set."""

from __future__ import annotations

from aws_cdk import aws_ses as ses
from constructs import Construct

from infra.stages import Stage


class Mail(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage) -> None:
        super().__init__(scope, construct_id)
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=f"{stage.prefix}-mail",
            reputation_metrics=True,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        self.identity = ses.EmailIdentity(
            self,
            "Domain",
            identity=ses.Identity.domain(stage.mail_domain),
            configuration_set=self.configuration_set,
        )
        self.sender = stage.mail_sender
