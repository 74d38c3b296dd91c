"""Alarms: function errors and throttles, API server errors, anything in a dead-letter queue."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.portal.services import Service
from infra.stages import Stage

PERIOD = cdk.Duration.minutes(5)


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: Stage,
        functions: Sequence[str],
        apis: Sequence[Service],
        dead_letter_queues: Sequence[sqs.IQueue],
    ) -> None:
        super().__init__(scope, construct_id)
        # CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key (its policy is fixed):
        # the topic gets a key of its own that CloudWatch may use.
        key = kms.Key(
            self,
            "TopicKey",
            description=f"{stage.prefix}: the alarm topic",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
            pending_window=cdk.Duration.days(7),
        )
        key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        self.topic = sns.Topic(self, "Topic", topic_name=f"{stage.prefix}-alarms", master_key=key)
        if stage.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(stage.alarm_email))
        action = actions.SnsAction(self.topic)
        for name in functions:
            for metric in ("Errors", "Throttles"):
                self._alarm(
                    f"{name}-{metric}",
                    cloudwatch.Metric(
                        namespace="AWS/Lambda",
                        metric_name=metric,
                        dimensions_map={"FunctionName": name},
                        statistic="Sum",
                        period=PERIOD,
                    ),
                    action,
                )
        for service in apis:
            self._alarm(
                f"{stage.prefix}-{service.area}-api-5xx",
                cloudwatch.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name="5XXError",
                    dimensions_map={"ApiName": service.api_name, "Stage": "api"},
                    statistic="Sum",
                    period=PERIOD,
                ),
                action,
            )
        for queue in dead_letter_queues:
            self._alarm(
                f"{queue.node.id}-not-empty",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                action,
                name=None,
            )

    def _alarm(
        self, alarm_id: str, metric: cloudwatch.IMetric, action: actions.SnsAction, name: str | None = ""
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            alarm_id,
            alarm_name=alarm_id if name == "" else None,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(action)
