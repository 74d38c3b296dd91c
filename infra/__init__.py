"""The AWS CDK app of the portal (issue 7): `python -m infra.app` synthesizes it into cdk.out/."""
