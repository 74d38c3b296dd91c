"""The user pool: agency users carry their agency in `custom:agency_id`; finance users are in `finance`."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.stages import Stage


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"{stage.prefix}-users",
            sign_in_aliases=cognito.SignInAliases(email=True),
            self_sign_up_enabled=False,
            password_policy=cognito.PasswordPolicy(
                min_length=10,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),
            custom_attributes={
                "agency_id": cognito.StringAttribute(mutable=True, max_len=64),
                "creditors": cognito.StringAttribute(mutable=True, max_len=256),
            },
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=stage.retain_data,
            removal_policy=stage.removal_policy,
        )
        cognito.CfnUserPoolGroup(
            self,
            "FinanceGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name="finance",
            description="Finance teams: the creditors each handles are in custom:creditors.",
        )
        self.site_client = self.user_pool.add_client(
            "SiteClient",
            user_pool_client_name="site",
            # The account service signs in with the password and keeps the token in an HttpOnly cookie;
            # a browser-side client has no place to keep a secret.
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True),
            prevent_user_existence_errors=True,
            id_token_validity=cdk.Duration.minutes(60),
            access_token_validity=cdk.Duration.minutes(60),
            refresh_token_validity=cdk.Duration.days(1),
            # A user who could write custom:agency_id through the public client would become another agency.
            write_attributes=cognito.ClientAttributes().with_standard_attributes(email=True, fullname=True),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes("agency_id", "creditors"),
        )
