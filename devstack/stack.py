"""Starts the whole local stack in order, and stops what it started."""

from __future__ import annotations

import os
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

from devstack import emulators, gateway, provisioning
from devstack.config import StackConfig, apply_environment, aws_environment
from devstack.events import QueueDelivery, StreamDelivery, ensure_import_notifications
from devstack.meter import DynamoDBMeter
from devstack.mirror import BucketMirror
from devstack.processes import stop

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

    def stop(self) -> None:
        for consumer in (self.delivery, self.stream, self.mirror):
            if consumer is not None:
                consumer.stop()
        for server in (self.server, self.meter):
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
        provisioning.ensure_table(config)
        provisioning.ensure_bucket(config)
        mirror = BucketMirror(config.bucket_name, config.data_dir / "s3")
        mirror.restore()
        provisioning.ensure_mail_sender(MAIL_SENDER)
        identity = provisioning.ensure_identity(config)
        os.environ.update(
            {
                "COGNITO_USER_POOL_ID": identity.user_pool_id,
                "COGNITO_CLIENT_ID": identity.client_id,
                "COGNITO_JWKS_URL": f"{config.moto_url}/{identity.user_pool_id}/.well-known/jwks.json",
                "MAIL_SENDER": MAIL_SENDER,
                "SITE_URL": config.gateway_url,
            }
        )
        ensure_import_notifications(config, IMPORT_QUEUE)
        added = _load_demo_data(config)
        server = (
            gateway.serve(config.gateway_port, config.moto_url, verbose=verbose) if with_gateway else None
        )
        delivery = QueueDelivery(server.gateway.services).start() if server else None
        stream = StreamDelivery(config.table_name, server.gateway.services).start() if server else None
        mirror.start()
        on_failure.pop_all()
    return RunningStack(config, identity, added, processes, server, meter, delivery, stream, mirror)


def _load_demo_data(config: StackConfig) -> int:
    from devstack import demo_data
    from mesfactures import wiring

    return demo_data.load(
        wiring.ledger(),
        wiring.accounts(),
        wiring.documents(),
        demo_anchor(config),
        wiring.disputes(),
        config.gateway_url,
    )
