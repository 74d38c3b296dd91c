"""Delivers what AWS would to the apps' event handlers: messages of their SQS queues (S3 notifications of
the import inbox among them), polled from moto and handed over in Lambda's event shape."""

from __future__ import annotations

import threading
import time
import uuid
from types import ModuleType
from typing import Any

import boto3

from devstack.config import REGION, StackConfig
from mesfactures.imports.importer import IMPORT_TIMEOUT_SECONDS
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


# A failed message comes back after this long (AWS: the queue's setting, longer than the function's timeout).
VISIBILITY_SECONDS = 10


class QueueDelivery:
    """One thread per SQS handler: receive, invoke, delete on success (a failure is received again).

    Each invocation has the import function's time, as in AWS (the handler reads what is left from its
    context); one that takes longer counts as failed, as Lambda would have killed it, and is kept in
    `overruns`. A test may shorten the time (`time_limit_seconds`)."""

    def __init__(self, services: dict[str, ModuleType]) -> None:
        self.time_limit_seconds: float = IMPORT_TIMEOUT_SECONDS
        self.overruns: list[float] = []
        self.invocations = 0
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
            try:
                self._receive_once(sqs, queue, queue_url, handler)
            except Exception:
                if self._stopping.is_set():
                    return
                _log.exception("queue polling failed; trying again", extra={"queue": queue})
                self._stopping.wait(1)

    def _receive_once(self, sqs: Any, queue: str, queue_url: str, handler: Any) -> None:
        answer = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1, VisibilityTimeout=VISIBILITY_SECONDS
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
            limit = self.time_limit_seconds
            context = _Context(queue, limit)
            self.invocations += 1
            try:
                handler(event, context)
            except Exception:
                _log.exception("handler failed; the message will be delivered again", extra={"queue": queue})
                continue
            finally:
                took = time.monotonic() - context.started
                if took > limit:
                    self.overruns.append(took)
            if took > limit:
                _log.error("handler ran past its time: Lambda would have killed it", extra={"seconds": took})
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


class _Context:
    """The part of Lambda's context the handlers read."""

    def __init__(self, name: str, time_limit_seconds: float = 900) -> None:
        self.function_name = name
        self.aws_request_id = str(uuid.uuid4())
        self.started = time.monotonic()
        self._limit = time_limit_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self._limit - time.monotonic()) * 1000))


class StreamDelivery:
    """Reads the ledger table's stream (DynamoDB Local's) and hands each batch of records to the apps'
    stream handlers, as Lambda's event source mapping does (with ReportBatchItemFailures): in order, and
    again after a failure (backoff capped at 30 s) until it succeeds, so a message is never dropped. A
    handler that names a failed record gets that record and those after it again; one that raises, the
    whole batch. The handlers skip what was already done (a sent mail is marked sent)."""

    MAX_BACKOFF_SECONDS = 30.0

    def __init__(self, table_name: str, services: dict[str, ModuleType]) -> None:
        self._table_name = table_name
        self._handlers = [
            getattr(module, source.name)
            for module in services.values()
            for source in getattr(module.app, "event_sources", [])
            if getattr(source, "stream_arn", None)
        ]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-stream", daemon=True)

    def start(self) -> StreamDelivery:
        if self._handlers:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        dynamodb: Any = boto3.client("dynamodb", region_name=REGION)
        streams: Any = boto3.client("dynamodbstreams", region_name=REGION)
        arn = dynamodb.describe_table(TableName=self._table_name)["Table"]["LatestStreamArn"]
        iterators: dict[str, str | None] = {}
        while not self._stopping.is_set():
            for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                if shard["ShardId"] not in iterators:
                    iterators[shard["ShardId"]] = streams.get_shard_iterator(
                        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                    )["ShardIterator"]
            for shard_id, iterator in list(iterators.items()):
                if iterator is None:
                    continue
                answer = streams.get_records(ShardIterator=iterator, Limit=100)
                if answer["Records"]:
                    self._deliver(arn, answer["Records"])
                iterators[shard_id] = answer.get("NextShardIterator")
            self._stopping.wait(0.2)

    def _deliver(self, arn: str, records: list[dict[str, Any]]) -> None:
        for handler in self._handlers:
            pending = [_lambda_record(record, arn) for record in records]
            attempt, pause = 0, 0.25
            while pending and not self._stopping.is_set():
                attempt += 1
                try:
                    pending = _from_first_failure(
                        pending, handler({"Records": pending}, _Context("ledger-stream"))
                    )
                except Exception:
                    _log.exception(
                        "stream handler failed; the batch will be delivered again", extra={"attempt": attempt}
                    )
                if pending:
                    self._stopping.wait(pause)
                    pause = min(pause * 2, self.MAX_BACKOFF_SECONDS)


def _from_first_failure(records: list[dict[str, Any]], answer: Any) -> list[dict[str, Any]]:
    """What the stream hands back after an answer that reports batch item failures: the records from the
    first one named on (Lambda's checkpoint), or nothing."""
    failures = answer.get("batchItemFailures") or [] if isinstance(answer, dict) else []
    named = {failure["itemIdentifier"] for failure in failures}
    for index, record in enumerate(records):
        if record["dynamodb"]["SequenceNumber"] in named:
            return records[index:]
    return []


def _lambda_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if created is not None and hasattr(created, "timestamp"):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": dynamodb, "eventSourceARN": arn}
