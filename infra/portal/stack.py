"""The portal's stack: the parts of DESIGN.md section 2, joined by grants where they meet."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.portal.alarms import Alarms
from infra.portal.documents import Documents, document_bucket_name
from infra.portal.edge import Edge
from infra.portal.identity import Identity
from infra.portal.ledger import Ledger
from infra.portal.mail import Mail
from infra.portal.services import Service
from infra.portal.sizing import MEMORY_MB
from infra.stages import Stage
from mesfactures.areas import API_AREAS
from mesfactures.documents.origin import document_origin
from mesfactures.imports.importer import IMPORT_TIMEOUT_SECONDS

# services/notifications: `@app.lambda_function(name="cognito_messages")`, Cognito's CustomMessage trigger.
COGNITO_MESSAGES = "CognitoMessages"
# What mesfactures.auth.identity calls on the admin API, and nothing else: invitations (and their re-sending),
# a role changed, a member deactivated or reactivated, a password changed, every device signed out.
ACCOUNT_ADMIN_ACTIONS = (
    "AdminCreateUser",
    "AdminUpdateUserAttributes",
    "AdminDisableUser",
    "AdminEnableUser",
    "AdminUserGlobalSignOut",
    "AdminSetUserPassword",
)
# New mails, and the lifecycle statuses the portal reports (written to the creditor's outbound channel).
OUTBOX_INSERTS = {
    "eventName": ["INSERT"],
    "dynamodb": {"NewImage": {"kind": {"S": ["outbox", "status_message"]}}},
}


def stripe_secret_name(stage: Stage) -> str:
    return f"{stage.prefix}/stripe"


class PortalStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        ledger = Ledger(self, "Ledger", stage=stage)
        documents = Documents(self, "Documents", stage=stage)
        mail = Mail(self, "Mail", stage=stage)
        identity = Identity(self, "Identity", stage=stage, mail=mail)
        # Set by the operator (README "Deploying"); the template holds only its name.
        stripe = secretsmanager.Secret.from_secret_name_v2(self, "StripeSecret", stripe_secret_name(stage))

        common = {
            "LEDGER_TABLE": ledger.table.table_name,
            "DOCUMENT_BUCKET": documents.bucket.bucket_name,
            "COGNITO_USER_POOL_ID": identity.user_pool.user_pool_id,
            "COGNITO_CLIENT_ID": identity.site_client.user_pool_client_id,
            "SITE_URL": stage.site_url,
            "MAIL_SENDER": mail.sender,
        }
        statement = Service(
            self,
            "Statement",
            stage=stage,
            area="statement",
            environment={**common, "IMPORT_QUEUE": documents.import_queue.queue_name},
            memory_mb=MEMORY_MB["statement"],
        )
        # An import goes on in slices of this length, each handing on the next (docs/import.md).
        statement.functions["ImportFiles"].add_property_override("Timeout", IMPORT_TIMEOUT_SECONDS)
        statement.functions["ImportFiles"].add_property_override("MemorySize", MEMORY_MB["import"])
        disputes = Service(
            self,
            "Disputes",
            stage=stage,
            area="disputes",
            environment=common,
            memory_mb=MEMORY_MB["disputes"],
        )
        account = Service(
            self, "Account", stage=stage, area="account", environment=common, memory_mb=MEMORY_MB["account"]
        )
        payments = Service(
            self,
            "Payments",
            stage=stage,
            area="payments",
            environment={
                **common,
                # The secret's name only: the function reads the keys on its first payment.
                "STRIPE_SECRET_ID": stripe_secret_name(stage),
            },
            memory_mb=MEMORY_MB["payments"],
        )
        notifications = Service(
            self,
            "Notifications",
            stage=stage,
            area="notifications",
            environment=common,
            memory_mb=MEMORY_MB["notifications"],
            apart=(COGNITO_MESSAGES,),
        )

        # Cognito asks notifications for the text of its invitation and code mails. The pool names the
        # function, so the function must not name the pool: it keeps only what its templates need.
        notifications.limit_environment(COGNITO_MESSAGES, keep=("SITE_URL",))
        identity.render_messages_with(notifications.function(COGNITO_MESSAGES))

        # The table: every service reads and writes the ledger (conditions and transactions).
        for service in (statement, disputes, account, payments, notifications):
            ledger.table.grant_read_write_data(service.role)
        # The documents, by prefix (mesfactures.documents.store, imports.importer): statement reads the
        # import files, writes their reports and the PDFs, and serves the PDFs; disputes hands out upload
        # URLs under uploads/, then moves each checked file to attachments/ (copy and delete) or drops it.
        for prefix in ("imports/*", "documents/*"):
            documents.bucket.grant_read(statement.role, prefix)
        for prefix in ("imports/reports/*", "documents/*"):
            documents.bucket.grant_put(statement.role, prefix)
        # notifications writes the statuses the portal reports, one file each, to the creditors' outbound
        # channel (an S3 event there can hand each to the creditor's platform).
        documents.bucket.grant_put(notifications.role, "einvoicing/outbox/*")
        for prefix in ("uploads/*", "attachments/*"):
            documents.bucket.grant_read_write(disputes.role, prefix)
            documents.bucket.grant_delete(disputes.role, prefix)
        # ListBucket: an existence check, and a missing key answered 404 rather than 403.
        for service in (statement, disputes):
            service.role.add_to_policy(
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[documents.bucket.bucket_arn])
            )
        # Import files: S3 → queue → statement.
        documents.import_queue.grant_consume_messages(statement.role)
        documents.import_queue.grant_send_messages(statement.role)  # the next slice of a long import
        statement.event_source(
            "ImportFiles", "ImportFilesSqsEventSource", {"Queue": documents.import_queue.queue_arn}
        )
        # Outbox: the table's stream → notifications → SES; records that keep failing go to a queue.
        outbox_dead_letters = sqs.Queue(
            self,
            "OutboxDeadLetters",
            queue_name=f"{stage.prefix}-outbox-dlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        ledger.table.grant_stream_read(notifications.role)
        outbox_dead_letters.grant_send_messages(notifications.role)
        notifications.event_source(
            "DeliverOutbox",
            "DeliverOutboxDynamodbEventSource",
            {
                "Stream": ledger.table.table_stream_arn,
                "MaximumRetryAttempts": 20,
                "BisectBatchOnFunctionError": True,
                # The handler names the first record that failed: the mails sent before it stay sent.
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "DestinationConfig": {"OnFailure": {"Destination": outbox_dead_letters.queue_arn}},
                # Only new outbox messages wake the function, not every ledger write.
                "FilterCriteria": {"Filters": [{"Pattern": json.dumps(OUTBOX_INSERTS)}]},
            },
        )
        notifications.role.add_to_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[
                    self.format_arn(service="ses", resource="identity", resource_name=stage.mail_domain),
                    self.format_arn(
                        service="ses",
                        resource="configuration-set",
                        resource_name=mail.configuration_set.configuration_set_name,
                    ),
                ],
            )
        )
        stripe.grant_read(payments.role)
        # The team and the invitations (mesfactures.auth): the account service alone administers the pool's
        # users; sign-in, codes and TOTP go through Cognito's public API, which needs no permission.
        identity.user_pool.grant(account.role, *(f"cognito-idp:{action}" for action in ACCOUNT_ADMIN_ACTIONS))

        apis = dict(zip(API_AREAS, (statement, disputes, account, payments), strict=True))
        edge = Edge(
            self,
            "Edge",
            stage=stage,
            site_bucket=documents.site_bucket,
            apis={area: service.rest_api_id for area, service in apis.items()},
            # The host the functions' S3 client signs upload URLs for (one function decides both).
            document_origin=document_origin(document_bucket_name(stage), cdk.Aws.REGION, cdk.Aws.URL_SUFFIX),
        )
        Alarms(
            self,
            "Alarms",
            stage=stage,
            functions=[
                name for service in (*apis.values(), notifications) for name in service.function_names
            ],
            apis=list(apis.values()),
            dead_letter_queues=[documents.import_dead_letters, outbox_dead_letters],
        )
        cdk.CfnOutput(self, "SiteDomain", value=edge.distribution.distribution_domain_name)
        cdk.CfnOutput(self, "UserPoolId", value=identity.user_pool.user_pool_id)
        cdk.CfnOutput(self, "DocumentBucket", value=documents.bucket.bucket_name)
        cdk.CfnOutput(self, "StripeWebhookUrl", value=f"{stage.site_url}/api/payments/stripe/webhook")
