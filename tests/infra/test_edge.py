"""CloudFront's edge settings: the certificate and TLS policy on a domain of our own, site files that
browsers revalidate after a deployment, and the site's own 404 page for a path that does not exist."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.portal.edge import WEB_ROOT
from infra.stages import stage_from
from tests.infra.conftest import PROD_DOMAIN, of_type


def _distribution(resources: dict[str, Any]) -> dict[str, Any]:
    (distribution,) = of_type(resources, "AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = distribution["Properties"]["DistributionConfig"]
    return config


def test_on_its_domain_the_site_has_its_certificate_and_refuses_tls_below_1_2(
    prod_template: Template,
) -> None:
    config = _distribution(prod_template.to_json()["Resources"])

    assert config["Aliases"] == [PROD_DOMAIN["domain_name"]]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": PROD_DOMAIN["certificate_arn"],
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }


def test_the_site_address_follows_the_domain_unless_given() -> None:
    stage = stage_from(cdk.App(context={"stage": "prod", **PROD_DOMAIN}))
    assert stage.site_url == "https://factures.example-media.fr"


@pytest.mark.parametrize(
    "context",
    [
        {"domain_name": "factures.example-media.fr"},
        {"certificate_arn": PROD_DOMAIN["certificate_arn"]},
        {**PROD_DOMAIN, "certificate_arn": PROD_DOMAIN["certificate_arn"].replace("us-east-1", "eu-west-3")},
    ],
)
def test_a_domain_wants_a_certificate_of_us_east_1_and_the_reverse(context: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="certificate"):
        stage_from(cdk.App(context={"stage": "prod", **context}))


def test_index_and_modules_are_revalidated_after_a_deployment(resources: dict[str, Any]) -> None:
    (deployment,) = [r for r in resources.values() if r["Type"] == "Custom::CDKBucketDeployment"]
    assert deployment["Properties"]["SystemMetadata"] == {"cache-control": "no-cache"}


def _viewer_request(resources: dict[str, Any]) -> str:
    config = _distribution(resources)
    (association,) = config["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    assert all("FunctionAssociations" not in behavior for behavior in config["CacheBehaviors"]), (
        "the APIs answer their own 404s"
    )
    function_id = association["FunctionARN"]["Fn::GetAtt"][0]
    code: str = resources[function_id]["Properties"]["FunctionCode"]
    return code


def _run(code: str, uri: str) -> dict[str, Any]:
    """The function as CloudFront runs it, on Node (CloudFront's runtime is a subset of its JavaScript)."""
    script = f"{code}\nconsole.log(JSON.stringify(handler({{request: {{uri: {json.dumps(uri)}}}}})));"
    node = shutil.which("node")
    assert node is not None, "Node is installed with npm (make system-deps)"
    run = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)  # noqa: S603 (our code)
    answer: dict[str, Any] = json.loads(run.stdout)
    return answer


def test_a_missing_path_gets_the_sites_404_page_and_the_site_files_go_through(
    resources: dict[str, Any],
) -> None:
    code = _viewer_request(resources)

    for uri in ("/", "/index.html", "/styles.css", "/js/app.js"):
        assert _run(code, uri) == {"uri": uri}, uri
    missing = _run(code, "/js/nowhere.js")
    assert missing["statusCode"] == 404
    assert missing["body"]["data"] == (WEB_ROOT / "404.html").read_text(encoding="utf-8")
    assert missing["headers"]["content-type"] == {"value": "text/html; charset=utf-8"}
    assert "default-src 'none'" in missing["headers"]["content-security-policy"]["value"]
