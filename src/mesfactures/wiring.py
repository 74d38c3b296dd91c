"""The composition root: cached factories that build each adapter on first use, never at import.

Every service's app.py takes what it needs from here. Heavy modules (boto3, pynamodb) are imported inside
the factories, so importing an app stays cheap (the cold-start budget).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from mesfactures.settings import Settings, settings_from

if TYPE_CHECKING:
    from mesfactures.account.sessions import SignInPorts
    from mesfactures.account.team import TeamPorts
    from mesfactures.auth.identity import CognitoIdentity
    from mesfactures.auth.sessions import Authenticator
    from mesfactures.auth.tokens import TokenVerifier
    from mesfactures.documents.attachment_files import AttachmentFiles
    from mesfactures.documents.presign import ReadUrls
    from mesfactures.documents.store import DocumentStore
    from mesfactures.domain.context import SystemContext
    from mesfactures.imports.queue import ImportQueue
    from mesfactures.lifecycle.use_cases import DeliveryPorts as StatusDeliveryPorts
    from mesfactures.notifications.mailer import SesMailer
    from mesfactures.payments.gateway import StripeGateway
    from mesfactures.persistence.accounts import AccountRepository, ProfileChanges
    from mesfactures.persistence.disputes import DisputeRepository
    from mesfactures.persistence.imports import EntryWriter, ImportCheckpoints
    from mesfactures.persistence.lifecycle import LifecycleRepository, StatusMessages
    from mesfactures.persistence.outbox import OutboxRepository
    from mesfactures.persistence.payments import PaymentRepository
    from mesfactures.persistence.sessions import SessionRepository
    from mesfactures.persistence.statement import LedgerRepository
    from mesfactures.persistence.team import ActivityRepository, TeamRepository


@functools.cache
def settings() -> Settings:
    return settings_from()


@functools.cache
def context() -> SystemContext:
    """The clock and the site's address, for every use case."""
    from mesfactures.domain.context import SystemContext

    return SystemContext(settings().site_url)


@functools.cache
def aws_client(service: str) -> Any:
    import boto3

    return boto3.session.Session().client(service, region_name=settings().region)  # type: ignore[call-overload]


@functools.cache
def _bound_table() -> None:
    from mesfactures.persistence.table import bind_table, table_connection

    bind_table(settings().table_name)
    table_connection()  # one client for every model, made before a request's threads need it


def ledger() -> LedgerRepository:
    from mesfactures.persistence.statement import LedgerRepository

    _bound_table()
    return LedgerRepository()


def entry_writer() -> EntryWriter:
    from mesfactures.persistence.imports import EntryWriter

    _bound_table()
    return EntryWriter()


def lifecycle() -> LifecycleRepository:
    from mesfactures.persistence.lifecycle import LifecycleRepository

    _bound_table()
    return LifecycleRepository()


def status_messages() -> StatusMessages:
    from mesfactures.persistence.lifecycle import StatusMessages

    _bound_table()
    return StatusMessages()


def accounts() -> AccountRepository:
    from mesfactures.persistence.accounts import AccountRepository

    _bound_table()
    return AccountRepository()


def profile_changes() -> ProfileChanges:
    from mesfactures.persistence.accounts import ProfileChanges

    _bound_table()
    return ProfileChanges()


def disputes() -> DisputeRepository:
    from mesfactures.persistence.disputes import DisputeRepository

    _bound_table()
    return DisputeRepository()


def outbox() -> OutboxRepository:
    from mesfactures.persistence.outbox import OutboxRepository

    _bound_table()
    return OutboxRepository()


def payments() -> PaymentRepository:
    from mesfactures.persistence.payments import PaymentRepository

    _bound_table()
    return PaymentRepository()


@functools.cache
def payment_gateway() -> StripeGateway:
    from mesfactures.payments.gateway import StripeGateway

    config = settings()
    secret_key, webhook_secret = config.stripe_secret_key, config.stripe_webhook_secret
    if config.stripe_secret_id:
        from mesfactures.payments.secrets import stripe_keys

        answer = aws_client("secretsmanager").get_secret_value(SecretId=config.stripe_secret_id)
        secret_key, webhook_secret = stripe_keys(answer["SecretString"])
    return StripeGateway(secret_key, webhook_secret, config.stripe_api_base)


@functools.cache
def mailer() -> SesMailer:
    from mesfactures.notifications.mailer import SesMailer

    return SesMailer(lambda: aws_client("ses"), settings().mail_sender)


@functools.cache
def token_verifier() -> TokenVerifier:
    from mesfactures.auth.tokens import CachedKeySet, TokenVerifier, fetch_jwks

    config = settings()
    return TokenVerifier(
        issuer=config.cognito_issuer,
        client_id=config.user_pool_client_id,
        keys=CachedKeySet(lambda: fetch_jwks(config.cognito_jwks_url)),
    )


def sessions() -> SessionRepository:
    from mesfactures.persistence.sessions import SessionRepository

    _bound_table()
    return SessionRepository()


@functools.cache
def authenticator() -> Authenticator:
    from concurrent.futures import ThreadPoolExecutor

    from mesfactures.auth.sessions import Authenticator

    # The session read of a statement page runs on one of these threads, beside the page's Query. Lambda
    # serves one request at a time per instance; the local gateway serves many, hence a few threads.
    beside = ThreadPoolExecutor(max_workers=8, thread_name_prefix="session-read")
    return Authenticator(token_verifier(), sessions(), beside.submit)


@functools.cache
def identity() -> CognitoIdentity:
    from mesfactures.auth.identity import CognitoIdentity

    config = settings()
    return CognitoIdentity(lambda: aws_client("cognito-idp"), config.user_pool_client_id, config.user_pool_id)


def team() -> TeamRepository:
    from mesfactures.persistence.team import TeamRepository

    _bound_table()
    return TeamRepository()


def activity() -> ActivityRepository:
    from mesfactures.persistence.team import ActivityRepository

    _bound_table()
    return ActivityRepository()


def sign_in_ports() -> SignInPorts:
    from mesfactures.account.sessions import SignInPorts

    return SignInPorts(identity(), token_verifier(), sessions(), team(), context())


def team_ports() -> TeamPorts:
    from mesfactures.account.team import TeamPorts

    return TeamPorts(identity(), team(), accounts(), context())


def s3_client_for(config: Settings, session: Any = None) -> Any:
    """The document store's S3 client: its addressing decides the host of the URLs it signs, which the
    site's CSP must name (documents/origin.py). A test passes a (boto3) session of its own. The functions
    build it with botocore alone: importing boto3 for it was a third of a first document link, and the
    store uses none of boto3's additions."""
    from botocore.config import Config

    from mesfactures.documents.origin import s3_client_options

    options = s3_client_options(config.s3_endpoint)
    arguments: dict[str, Any] = {
        "region_name": config.region,
        "endpoint_url": options.get("endpoint_url"),
        "config": Config(**options["config"]),
    }
    if session is not None:
        return session.client("s3", **arguments)
    import botocore.session

    return botocore.session.get_session().create_client("s3", **arguments)


@functools.cache
def _s3_client() -> Any:
    return s3_client_for(settings())


def build_everything_now() -> None:
    """Builds at once what requests build on first use: the table's client, the document store's, the
    token verifier and the PDF renderer with its font. For a long-lived process (the local gateway's),
    which pays at its start what a Lambda instance pays on its first request: otherwise the first users
    of a demo wait for it, and under load every request queued behind those first ones."""
    from mesfactures.documents.truetype import shipped_font

    _bound_table()
    _s3_client()
    authenticator()
    for weight in ("regular", "bold"):
        shipped_font(weight)


@functools.cache
def documents() -> DocumentStore:
    from mesfactures.documents.store import DocumentStore

    return DocumentStore(_s3_client, settings().bucket_name, read_urls_for(settings()))


def read_urls_for(config: Settings, session: Any = None) -> ReadUrls:
    """What signs the document store's read URLs: the S3 client's addressing (documents/origin.py) and
    credentials, without the client. A test passes a (boto3) session of its own."""
    from mesfactures.documents.presign import ReadUrls

    if session is None:  # the table's botocore session: the role's credentials, resolved once for both
        from mesfactures.persistence.table import table_connection

        _bound_table()
        session = table_connection().session

    def credentials() -> Any:
        return session.get_credentials().get_frozen_credentials()

    return ReadUrls(config.bucket_name, config.region, config.s3_endpoint, credentials)


@functools.cache
def attachment_files() -> AttachmentFiles:
    from mesfactures.documents.attachment_files import AttachmentFiles

    return AttachmentFiles(documents())


def status_delivery() -> StatusDeliveryPorts:
    """What delivering the statuses the portal reports needs (lifecycle.use_cases.DeliveryPorts)."""
    from mesfactures.lifecycle.use_cases import DeliveryPorts

    return DeliveryPorts(status_messages(), documents(), accounts(), lifecycle())


class ImportPorts:
    """What an import needs (imports.importer.Ports), each built on first use."""

    def writer(self) -> EntryWriter:
        return entry_writer()

    def accounts(self) -> AccountRepository:
        return accounts()

    def store(self) -> DocumentStore:
        return documents()

    def checkpoints(self) -> ImportCheckpoints:
        from mesfactures.persistence.imports import ImportCheckpoints

        _bound_table()
        return ImportCheckpoints()

    def continuations(self) -> ImportQueue:
        return import_queue()

    def lifecycle(self) -> LifecycleRepository:
        return lifecycle()


@functools.cache
def import_queue() -> ImportQueue:
    from mesfactures.imports.queue import ImportQueue

    return ImportQueue(lambda: aws_client("sqs"), settings().import_queue)
