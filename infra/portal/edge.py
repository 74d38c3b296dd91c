"""CloudFront: one origin for the site and its APIs (`/api/<area>/*` → each service's API Gateway), so the
browser needs no CORS, with the security headers the local gateway sends (devstack/gateway.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.stages import Stage
from mesfactures.documents.origin import site_content_security_policy

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"
NOT_FOUND_PAGE = "404.html"
# The 404 page has no script: it gets a stricter policy than the site's, with no document origin to name.
NOT_FOUND_HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-cache",
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def site_paths() -> list[str]:
    """Every path the site answers: its files under web/, and `/` (index.html)."""
    files = sorted(path for path in WEB_ROOT.rglob("*") if path.is_file())
    return ["/", *(f"/{path.relative_to(WEB_ROOT).as_posix()}" for path in files)]


def not_found_function_code() -> str:
    """A CloudFront Function (viewer request, site behaviour only) that answers a path the site lacks
    with the site's 404 page, status 404. S3 would answer 403 with its XML (the origin access control
    may not list the bucket); CloudFront's custom error responses would do it, but for the whole
    distribution, and would replace the APIs' own JSON 403 and 404 answers with this page."""
    page = (WEB_ROOT / NOT_FOUND_PAGE).read_text(encoding="utf-8")
    paths = {path: True for path in site_paths()}
    headers = {name: {"value": value} for name, value in NOT_FOUND_HEADERS.items()}
    response = {"statusCode": 404, "statusDescription": "Not Found", "headers": headers}
    return (
        f"var SITE = {json.dumps(paths)};\n"
        f"var PAGE = {json.dumps(page)};\n"
        "function handler(event) {\n"
        "  if (SITE[event.request.uri]) return event.request;\n"
        f"  var response = {json.dumps(response)};\n"
        '  response.body = {encoding: "text", data: PAGE};\n'
        "  return response;\n"
        "}\n"
    )


class Edge(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: Stage,
        site_bucket: s3.IBucket,
        apis: Mapping[str, str],
        document_origin: str,
    ) -> None:
        super().__init__(scope, construct_id)
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=f"{stage.prefix}-security-headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=site_content_security_policy(document_origin), override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(365), include_subdomains=True, override=True
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override=True
                ),
            ),
        )
        api_behaviors = {
            f"/api/{area}/*": cloudfront.BehaviorOptions(
                # The stage is `api`, so the path goes through as is: /api/<area>/... → route /<area>/...
                origin=origins.HttpOrigin(
                    f"{api_id}.execute-api.{cdk.Aws.REGION}.{cdk.Aws.URL_SUFFIX}",
                    protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                # The session cookie, the query string and the Stripe signature header must reach the API.
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=headers,
            )
            for area, api_id in apis.items()
        }
        not_found = cloudfront.Function(
            self,
            "NotFound",
            function_name=f"{stage.prefix}-not-found",
            comment="The site's 404 page for a path it lacks",
            code=cloudfront.FunctionCode.from_inline(not_found_function_code()),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        # On the stage's own domain, its certificate and TLS 1.2 at least; without one, CloudFront's
        # default certificate, whose minimum (TLS 1.0) cannot be raised (README "Deploying").
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", stage.certificate_arn)
            if stage.certificate_arn
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{stage.prefix}: site and APIs",
            default_root_object="index.html",
            domain_names=[stage.domain_name] if stage.domain_name else None,
            certificate=certificate,
            minimum_protocol_version=(
                cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate is not None else None
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(site_bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=not_found, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            additional_behaviors=api_behaviors,
        )
        s3deploy.BucketDeployment(
            self,
            "Site",
            sources=[s3deploy.Source.asset(str(WEB_ROOT))],
            destination_bucket=site_bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            # The modules keep their names across deployments: without this, browsers would keep old
            # /js/*.js by heuristic caching. With no-cache they revalidate (a 304 when unchanged).
            cache_control=[s3deploy.CacheControl.no_cache()],
        )
