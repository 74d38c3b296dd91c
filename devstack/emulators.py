"""DynamoDB Local (Amazon's emulator, from the npm package amplify-dynamodb-simulator) and moto server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from devstack.config import ROOT, StackConfig
from devstack.processes import free_soon, start, wait_for_port

DYNAMODB_PACKAGE = "amplify-dynamodb-simulator@2.9.30"
EMULATOR_DIR = ROOT / ".cache" / "dynamodb-local"


def install_dynamodb_local() -> Path:
    """Unpacks the emulator's jar once, from the npm registry, into .cache/."""
    jar = EMULATOR_DIR / "package" / "emulator" / "DynamoDBLocal.jar"
    if jar.exists():
        return jar
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch DynamoDB Local (apt-get install npm)")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([npm, "pack", DYNAMODB_PACKAGE, "--silent"], cwd=scratch, check=True)  # noqa: S603
        tarball = next(Path(scratch).glob("*.tgz"))
        with tarfile.open(tarball) as archive:
            archive.extractall(EMULATOR_DIR, filter="data")
    return jar


def start_dynamodb(config: StackConfig) -> subprocess.Popen[bytes]:
    if not free_soon(config.dynamodb_port):
        raise RuntimeError(f"port {config.dynamodb_port} is taken: is another stack running?")
    jar = install_dynamodb_local()
    data = config.data_dir / "dynamodb"
    data.mkdir(parents=True, exist_ok=True)
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("Java is needed for DynamoDB Local (apt-get install default-jre-headless)")
    process = start(
        [
            java,
            "-Xmx512m",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-port",
            str(config.dynamodb_port),
            "-dbPath",
            str(data),
            "-disableTelemetry",
        ],
        config.data_dir / "logs" / "dynamodb.log",
        cwd=data,  # it writes a metadata file into its working directory
    )
    wait_for_port(config.dynamodb_port, "DynamoDB Local", process)
    return process


def start_moto(config: StackConfig) -> subprocess.Popen[bytes]:
    if not free_soon(config.moto_port):
        raise RuntimeError(f"port {config.moto_port} is taken: is another stack running?")
    moto_server = Path(sys.executable).with_name("moto_server")
    process = start(
        [str(moto_server), "-H", "127.0.0.1", "-p", str(config.moto_port)],
        config.data_dir / "logs" / "moto.log",
        # TOTP codes are checked (devstack/totp.py: moto gives every user one constant secret).
        environment={"MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"},
    )
    wait_for_port(config.moto_port, "moto server", process)
    return process
