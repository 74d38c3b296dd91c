"""The document store and the import inbox: creditors' ERPs drop files under `imports/inbox/<CREDITOR>/`,
S3 tells the import queue, `services/statement` imports them."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.stages import Stage
from mesfactures.domain.creditors import Creditor
from mesfactures.imports.importer import IMPORT_TIMEOUT_SECONDS

IMPORT_INBOX = "imports/inbox"
# SQS advises a visibility timeout of six times the function's: a slice that failed comes back after it.
IMPORT_VISIBILITY = cdk.Duration.seconds(6 * IMPORT_TIMEOUT_SECONDS)


def document_bucket_name(stage: Stage) -> str:
    """Known before the bucket exists, so the site's CSP can name its origin without a dependency cycle."""
    return f"{stage.prefix}-documents-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}"


class Documents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=document_bucket_name(stage),
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            removal_policy=stage.removal_policy,
            # The browser PUTs dispute attachments to a presigned URL.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.GET],
                    allowed_origins=[stage.site_url],
                    allowed_headers=["content-type"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[
                # Import files and their reports are kept for audit a year, then go.
                s3.LifecycleRule(id="imports", prefix="imports/", expiration=cdk.Duration.days(365)),
                # A presigned upload never confirmed by its dispute is dropped the next day.
                s3.LifecycleRule(id="uploads", prefix="uploads/", expiration=cdk.Duration.days(1)),
                # A relevé de compte is drawn for one opening (a 60-second URL): gone the next day.
                s3.LifecycleRule(id="releves", prefix="documents/releves/", expiration=cdk.Duration.days(1)),
                s3.LifecycleRule(
                    id="old-versions",
                    noncurrent_version_expiration=cdk.Duration.days(90),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                ),
            ],
        )
        self.import_dead_letters = sqs.Queue(
            self,
            "ImportDeadLetters",
            queue_name=f"{stage.prefix}-imports-dlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        self.import_queue = sqs.Queue(
            self,
            "ImportQueue",
            queue_name=f"{stage.prefix}-imports",
            # SSE-SQS, not KMS: S3 notifications cannot use the AWS-managed KMS key.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=IMPORT_VISIBILITY,
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=self.import_dead_letters),
        )
        self.erp_policies: dict[Creditor, iam.ManagedPolicy] = {}
        for creditor in Creditor:
            prefix = f"{IMPORT_INBOX}/{creditor.value}/"
            self.bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.SqsDestination(self.import_queue),
                s3.NotificationKeyFilter(prefix=prefix),
            )
            # Attached to whatever principal a creditor's ERP uses: it may write under its own prefix only.
            self.erp_policies[creditor] = iam.ManagedPolicy(
                self,
                f"ErpDrop{creditor.name.title().replace('_', '')}",
                managed_policy_name=f"{stage.prefix}-erp-{creditor.value.lower().replace('_', '-')}",
                statements=[
                    iam.PolicyStatement(
                        actions=["s3:PutObject"], resources=[self.bucket.arn_for_objects(f"{prefix}*")]
                    )
                ],
            )
        self.site_bucket = s3.Bucket(
            self,
            "SiteBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            # The site is built from web/ at every deployment: nothing to keep.
            removal_policy=cdk.RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
