import pytest

from mesfactures.domain.errors import ConfigurationError
from mesfactures.settings import settings_from

ENV = {
    "AWS_DEFAULT_REGION": "eu-west-3",
    "LEDGER_TABLE": "ledger",
    "DOCUMENT_BUCKET": "docs",
    "COGNITO_USER_POOL_ID": "eu-west-3_abc",
    "COGNITO_CLIENT_ID": "client",
}


def test_the_issuer_and_keys_address_follow_from_the_pool() -> None:
    settings = settings_from(ENV)
    assert settings.cognito_issuer == "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_abc"
    assert settings.cognito_jwks_url == f"{settings.cognito_issuer}/.well-known/jwks.json"


@pytest.mark.parametrize("missing", sorted(ENV))
def test_a_missing_variable_is_named(missing: str) -> None:
    env = {key: value for key, value in ENV.items() if key != missing}
    with pytest.raises(ConfigurationError, match=missing):
        settings_from(env)
