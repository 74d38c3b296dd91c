"""Starts the whole local stack in order, and stops what it started."""

from __future__ import annotations

import os
import secrets
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

from devstack import emulators, gateway, provisioning
from devstack.cognito import LocalCognito
from devstack.config import StackConfig, apply_environment, aws_environment
from devstack.events import QueueDelivery, StreamDelivery, ensure_import_notifications
from devstack.faults import MailLink
from devstack.mailbox import Postmarks
from devstack.meter import DynamoDBMeter
from devstack.mirror import BucketMirror
from devstack.processes import stop
from devstack.stripe_standin import StripeStandIn
from devstack.team import ensure_demo_members

MAIL_SENDER = "no-reply@mesfactures.example"
IMPORT_QUEUE = "mesfactures-imports"


@dataclass
class RunningStack:
    config: StackConfig
    identity: provisioning.Identity
    demo_entries_added: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    server: gateway.GatewayServer | None = None
    meter: DynamoDBMeter | None = None
    delivery: QueueDelivery | None = None
    stream: StreamDelivery | None = None
    mirror: BucketMirror | None = None
    stripe: StripeStandIn | None = None
    mail_link: MailLink | None = None
    cognito: LocalCognito | None = None  # the local Cognito (devstack/cognito.py): tests age invitations

    def stop(self) -> None:
        for consumer in (self.delivery, self.stream, self.mirror):
            if consumer is not None:
                consumer.stop()
        if self.stripe is not None:
            self.stripe.shutdown()
            self.stripe.server_close()
        for server in (self.server, self.meter, self.mail_link, self.cognito):
            if server is not None:
                server.shutdown()
                server.server_close()
        for process in reversed(self.processes):
            stop(process)


def demo_anchor(config: StackConfig) -> date:
    """The day the demo data was first generated: later starts regenerate exactly the same entries."""
    anchor = config.data_dir / "demo-anchor"
    if anchor.exists():
        return date.fromisoformat(anchor.read_text().strip())
    today = date.today()
    anchor.parent.mkdir(parents=True, exist_ok=True)
    anchor.write_text(today.isoformat())
    return today


def start(config: StackConfig, *, with_gateway: bool = True, verbose: bool = False) -> RunningStack:
    apply_environment(aws_environment(config))
    with ExitStack() as on_failure:
        processes = [emulators.start_dynamodb(config)]
        on_failure.callback(stop, processes[0])
        processes.append(emulators.start_moto(config))
        on_failure.callback(stop, processes[1])
        meter = DynamoDBMeter(config.meter_port, config.dynamodb_port).start() if config.meter_port else None
        # The services' mail always goes through the link (on any free port unless one is set): it stamps
        # each mail with its time and text part, which moto does not keep (/_dev/mail.json).
        postmarks = Postmarks()
        mail_link = MailLink(config.mail_link_port or 0, config.moto_port, postmarks)
        on_failure.callback(mail_link.server_close)
        on_failure.callback(mail_link.start().shutdown)
        os.environ["AWS_ENDPOINT_URL_SES"] = mail_link.url
        provisioning.ensure_table(config)
        provisioning.ensure_bucket(config)
        mirror = BucketMirror(config.bucket_name, config.data_dir / "s3")
        mirror.restore()
        provisioning.ensure_mail_sender(MAIL_SENDER)
        identity = provisioning.ensure_identity(config)
        cognito = LocalCognito(
            config.cognito_listen_port,
            config.moto_port,
            config.data_dir,
            site_url=config.gateway_url,
            mail_sender=MAIL_SENDER,
            postmarks=postmarks,
        )
        on_failure.callback(cognito.server_close)
        cognito.restore(identity.user_pool_id, identity.client_id)
        cognito.start()
        on_failure.callback(cognito.shutdown)
        webhook_secret = f"whsec_{secrets.token_hex(16)}"
        stripe_standin = StripeStandIn(
            config.stripe_port, f"{config.gateway_url}/api/payments/stripe/webhook", webhook_secret
        ).start()
        on_failure.callback(stripe_standin.shutdown)
        os.environ.update(
            {
                "COGNITO_USER_POOL_ID": identity.user_pool_id,
                "COGNITO_CLIENT_ID": identity.client_id,
                "COGNITO_JWKS_URL": f"{config.moto_url}/{identity.user_pool_id}/.well-known/jwks.json",
                "MAIL_SENDER": MAIL_SENDER,
                "SITE_URL": config.gateway_url,
                # The local Stripe stand-in: any key works there, and the webhook secret is made anew at
                # each start. Set STRIPE_SECRET_KEY (sk_test_…) and STRIPE_WEBHOOK_SECRET to use Stripe.
                "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY") or "sk_test_local_standin",
                "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET") or webhook_secret,
                "STRIPE_API_BASE": "" if os.environ.get("STRIPE_SECRET_KEY") else stripe_standin.url,
            }
        )
        ensure_import_notifications(config, IMPORT_QUEUE)
        added = _load_demo_data(config)
        ensure_demo_members(identity.user_pool_id)
        server = (
            gateway.serve(
                config.gateway_port,
                config.moto_url,
                verbose=verbose,
                postmarks=postmarks,
                log_dir=config.data_dir / "logs",
            )
            if with_gateway
            else None
        )
        delivery = QueueDelivery(server.gateway.services).start() if server else None
        stream = StreamDelivery(config.table_name, server.gateway.services).start() if server else None
        mirror.start()
        on_failure.pop_all()
    return RunningStack(
        config,
        identity,
        added,
        processes,
        server,
        meter,
        delivery,
        stream,
        mirror,
        stripe_standin,
        mail_link,
        cognito,
    )


def _load_demo_data(config: StackConfig) -> int:
    from devstack import demo_data
    from mesfactures import wiring

    return demo_data.load(
        wiring.entry_writer(),
        wiring.accounts(),
        wiring.documents(),
        demo_anchor(config),
        wiring.disputes(),
        config.gateway_url,
    )
