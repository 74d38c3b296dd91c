"""The deployment stages: `-c stage=dev|prod` picks one; every name carries the stage, so both can live in
one account."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_logs as logs


@dataclass(frozen=True, kw_only=True)
class Stage:
    name: str
    # The site's public address. CloudFront gives its domain only once created, and the functions (checkout
    # return URLs) and the bucket's CORS need it: it comes from context, not from the distribution.
    site_url: str
    mail_domain: str
    mail_sender: str
    # Cognito refuses to create a pool whose SES identity is not verified yet: the first deployment sends the
    # pool's mail with Cognito's own address (`-c mail_verified=false`), every later one through SES.
    mail_verified: bool
    retain_data: bool
    log_retention: logs.RetentionDays
    alarm_email: str | None
    # The site's own domain and its ACM certificate (in us-east-1, where CloudFront reads them). Without
    # them CloudFront serves its *.cloudfront.net address with its default certificate, which accepts
    # TLS 1.0 (its minimum cannot be raised there).
    domain_name: str | None = None
    certificate_arn: str | None = None

    @property
    def prefix(self) -> str:
        return f"mesfactures-{self.name}"

    @property
    def removal_policy(self) -> cdk.RemovalPolicy:
        return cdk.RemovalPolicy.RETAIN if self.retain_data else cdk.RemovalPolicy.DESTROY


DEFAULTS = {
    "dev": {"site_url": "https://dev.mesfactures.example", "mail_domain": "dev.mesfactures.example"},
    "prod": {"site_url": "https://mesfactures.example", "mail_domain": "mesfactures.example"},
}


def stage_from(app: cdk.App) -> Stage:
    """The stage named by the context (dev by default), each default overridable with `-c key=value`."""
    name = str(app.node.try_get_context("stage") or "dev")
    if name not in DEFAULTS:
        raise ValueError(f"unknown stage {name!r}: choose one of {', '.join(DEFAULTS)}")

    def context(key: str) -> str:
        return str(app.node.try_get_context(key) or DEFAULTS[name][key])

    domain_name, certificate_arn = _domain(app)
    site_url = app.node.try_get_context("site_url") or (
        f"https://{domain_name}" if domain_name else DEFAULTS[name]["site_url"]
    )
    mail_domain = context("mail_domain")
    return Stage(
        name=name,
        site_url=str(site_url).rstrip("/"),
        mail_domain=mail_domain,
        mail_sender=f"no-reply@{mail_domain}",
        mail_verified=str(app.node.try_get_context("mail_verified")).lower() not in {"false", "0", "no"},
        # The ledger and the documents outlive a stack deleted by mistake, in every stage.
        retain_data=True,
        log_retention=logs.RetentionDays.ONE_YEAR if name == "prod" else logs.RetentionDays.ONE_MONTH,
        alarm_email=app.node.try_get_context("alarm_email"),
        domain_name=domain_name,
        certificate_arn=certificate_arn,
    )


def _domain(app: cdk.App) -> tuple[str | None, str | None]:
    """`-c domain_name` and `-c certificate_arn` go together; CloudFront reads certificates in us-east-1."""
    domain_name = app.node.try_get_context("domain_name") or None
    certificate_arn = app.node.try_get_context("certificate_arn") or None
    if (domain_name is None) != (certificate_arn is None):
        raise ValueError(
            "-c domain_name and -c certificate_arn go together (an ACM certificate of the domain)"
        )
    if certificate_arn is not None and not str(certificate_arn).startswith("arn:aws:acm:us-east-1:"):
        raise ValueError(
            "CloudFront takes an ACM certificate of us-east-1 only: certificate_arn is elsewhere"
        )
    return (str(domain_name), str(certificate_arn)) if domain_name and certificate_arn else (None, None)
