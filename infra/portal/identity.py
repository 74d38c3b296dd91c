"""The user pool: people are invited (a temporary password valid 7 days), reset a forgotten password with a
code sent by e-mail, and may add a TOTP second factor. Agency users carry their agency in `custom:agency_id`
and their role in `custom:role`; finance users are in `finance` with their creditors in `custom:creditors`.
Only the account service, through the admin API, writes these attributes (docs/access.md)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.portal.mail import Mail
from infra.stages import Stage

# The portal's wording, used by Cognito as it stands when the custom-message function leaves a message as it
# is; that function (services/notifications, `cognito_messages`) renders the portal's own mail templates.
INVITATION_SUBJECT = "Votre accès au portail Mes Factures"
INVITATION_BODY = (
    "<p>Bonjour,</p>"
    "<p>Un accès au portail Mes Factures vient de vous être ouvert : {site_url}</p>"
    "<p>Identifiant : {{username}}<br>Mot de passe provisoire : {{####}}</p>"
    "<p>Ce mot de passe provisoire est valable 7 jours. À la première connexion, vous choisirez votre propre "
    "mot de passe. Passé ce délai, demandez une nouvelle invitation à l'administrateur de votre agence.</p>"
    "<p>L'équipe Mes Factures</p>"
)
VERIFICATION_SUBJECT = "Votre code de vérification Mes Factures"
VERIFICATION_BODY = (
    "<p>Bonjour,</p>"
    "<p>Votre code de vérification pour le portail Mes Factures : {{####}}</p>"
    "<p>Saisissez-le sur {site_url} pour choisir un nouveau mot de passe. Si vous n'avez rien demandé, "
    "ignorez ce message : votre mot de passe ne change pas.</p>"
    "<p>L'équipe Mes Factures</p>"
)


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, mail: Mail) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"{stage.prefix}-users",
            sign_in_aliases=cognito.SignInAliases(email=True),
            # Nobody signs up: administrators and the finance team invite (AdminCreateUser).
            self_sign_up_enabled=False,
            password_policy=cognito.PasswordPolicy(
                min_length=10,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(7),
            ),
            user_invitation=cognito.UserInvitationConfig(
                email_subject=INVITATION_SUBJECT,
                email_body=INVITATION_BODY.format(site_url=stage.site_url),
            ),
            user_verification=cognito.UserVerificationConfig(
                email_style=cognito.VerificationEmailStyle.CODE,
                email_subject=VERIFICATION_SUBJECT,
                email_body=VERIFICATION_BODY.format(site_url=stage.site_url),
                # Never sent (no phone numbers, no SMS), but Cognito keeps a text for it.
                sms_message="Votre code de vérification Mes Factures : {####}",
            ),
            email=_email(stage, mail),
            custom_attributes={
                "agency_id": cognito.StringAttribute(mutable=True, max_len=64),
                "creditors": cognito.StringAttribute(mutable=True, max_len=256),
                "role": cognito.StringAttribute(mutable=True, max_len=32),
            },
            # A forgotten password is reset by a code sent by e-mail, never by SMS.
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # TOTP: finance must use it, agency users may. No SMS, so no SMS role either.
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            deletion_protection=stage.retain_data,
            removal_policy=stage.removal_policy,
        )
        if stage.mail_verified:
            # The pool checks its SES identity when it is created or changed.
            self.user_pool.node.find_child("Resource").node.add_dependency(mail.identity)
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
            # No hosted UI: the pool has no domain, and no OAuth flow or callback has a use.
            disable_o_auth=True,
            auth_flows=cognito.AuthFlow(user_password=True),
            prevent_user_existence_errors=True,
            id_token_validity=cdk.Duration.minutes(60),
            access_token_validity=cdk.Duration.minutes(60),
            refresh_token_validity=cdk.Duration.days(1),
            # Anyone can get an access token for their own user from Cognito's public API with this client.
            # No custom attribute: with custom:agency_id or custom:role writable, a user would join another
            # agency or make themselves administrator. Nor the e-mail: the portal takes the identifier from
            # the token's `email`, and only an administrator changes it. Left: `name`, which the portal
            # never reads (an empty list would leave every standard attribute writable).
            write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(
                email=True, email_verified=True, fullname=True, given_name=True, family_name=True
            )
            .with_custom_attributes("agency_id", "creditors", "role"),
        )

    def render_messages_with(self, function: lambda_.IFunction) -> None:
        """Cognito asks `function` for the text of each invitation and code mail (CustomMessage trigger);
        it may invoke the function for this pool only."""
        self.user_pool.add_trigger(cognito.UserPoolOperation.CUSTOM_MESSAGE, function)


def _email(stage: Stage, mail: Mail) -> cognito.UserPoolEmail:
    if not stage.mail_verified:
        return cognito.UserPoolEmail.with_cognito()
    return cognito.UserPoolEmail.with_ses(
        from_email=mail.sender,
        from_name="Mes Factures",
        ses_verified_domain=stage.mail_domain,
        configuration_set_name=mail.configuration_set.configuration_set_name,
        # The stack is synthesized without an account or a region: the identity is in the stack's own.
        ses_region=cdk.Aws.REGION,
    )
