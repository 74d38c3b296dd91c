"""Delivers what AWS would to the apps' event handlers: messages of their SQS queues (S3 notifications of
the import inbox among them), polled from moto and handed over in Lambda's event shape."""

from __future__ import annotations

import threading
import uuid
from types import ModuleType
from typing import Any

import boto3

from devstack.config import REGION, StackConfig
from mesfactures.observability import logger

_log = logger("devstack.events")


def ensure_import_notifications(config: StackConfig, queue_name: str) -> None:
    """The inbox of the document store notifies the import queue, as infra/ wires it in AWS."""
    sqs: Any = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.put_bucket_notification_configuration(
        Bucket=config.bucket_name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "imports/inbox/"}]}},
                }
            ]
        },
    )


class QueueDelivery:
    """One thread per SQS handler: receive, invoke, delete on success (a failure is received again)."""

    def __init__(self, services: dict[str, ModuleType]) -> None:
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        for module in services.values():
            for source in getattr(module.app, "event_sources", []):
                queue = getattr(source, "queue", None)
                if queue:
                    handler = getattr(module, source.name)
                    self._threads.append(
                        threading.Thread(
                            target=self._run, args=(queue, handler), name=f"sqs-{queue}", daemon=True
                        )
                    )

    def start(self) -> QueueDelivery:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self, queue: str, handler: Any) -> None:
        sqs: Any = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        while not self._stopping.is_set():
            answer = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1, VisibilityTimeout=30
            )
            for message in answer.get("Messages", []):
                event = {
                    "Records": [
                        {
                            "messageId": message["MessageId"],
                            "receiptHandle": message["ReceiptHandle"],
                            "body": message["Body"],
                            "attributes": {},
                            "messageAttributes": {},
                            "eventSource": "aws:sqs",
                            "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:{queue}",
                            "awsRegion": REGION,
                        }
                    ]
                }
                try:
                    handler(event, _Context(queue))
                except Exception:
                    _log.exception(
                        "handler failed; the message will be delivered again", extra={"queue": queue}
                    )
                    continue
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


class _Context:
    def __init__(self, name: str) -> None:
        self.function_name = name
        self.aws_request_id = str(uuid.uuid4())
