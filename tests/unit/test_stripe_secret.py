import pytest

from mesfactures.domain.errors import ConfigurationError
from mesfactures.payments.secrets import stripe_keys
from mesfactures.settings import settings_from
from tests.unit.test_settings import ENV


def test_the_keys_are_read_from_the_json_secret() -> None:
    keys = stripe_keys('{"secret_key": "sk_test_123", "webhook_secret": "whsec_456"}')
    assert keys == ("sk_test_123", "whsec_456")


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ('{"secret_key": "sk_test_123"}', "lacks webhook_secret"),
        ('{"secret_key": "", "webhook_secret": "whsec_456"}', "lacks secret_key"),
        ("sk_test_123", "not a JSON object"),
        ('["sk_test_123"]', "not a JSON object"),
    ],
)
def test_an_incomplete_secret_is_refused_without_showing_it(secret: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as refused:
        stripe_keys(secret)
    assert "sk_test_123" not in str(refused.value)


def test_the_secret_name_comes_from_the_environment() -> None:
    assert settings_from({**ENV, "STRIPE_SECRET_ID": "mesfactures-dev/stripe"}).stripe_secret_id == (
        "mesfactures-dev/stripe"
    )
    assert settings_from(ENV).stripe_secret_id is None
