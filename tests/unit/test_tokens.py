"""The token verifier, against tokens we sign ourselves: only a well-signed, current ID token of our own
pool and client becomes a principal."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
import rsa
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

from mesfactures.auth.tokens import CachedKeySet, TokenVerifier, parse_jwks
from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import NotAuthenticated
from mesfactures.domain.principal import AgencyUser, FinanceUser

ISSUER = "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_pool"
CLIENT = "site-client"


def _key() -> crypto_rsa.RSAPrivateKey:
    return crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048)


POOL_KEY = _key()
OTHER_KEY = _key()


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwks(key: crypto_rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    numbers = key.public_key().public_numbers()
    return {
        "keys": [
            {
                "kty": "RSA",
                "alg": "RS256",
                "use": "sig",
                "kid": kid,
                "n": _b64(numbers.n),
                "e": _b64(numbers.e),
            }
        ]
    }


def _verifier() -> TokenVerifier:
    return TokenVerifier(ISSUER, CLIENT, CachedKeySet(lambda: parse_jwks(_jwks(POOL_KEY, "k1"))))


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "user-1",
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        "email": "demo@agence-exemple.fr",
        "custom:agency_id": "AG-1001",
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _token(claims: dict[str, Any], key: crypto_rsa.RSAPrivateKey = POOL_KEY, kid: str = "k1") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_a_valid_id_token_becomes_an_agency_principal() -> None:
    assert _verifier().principal(_token(_claims())) == AgencyUser(
        "user-1", "demo@agence-exemple.fr", "AG-1001"
    )


def test_a_finance_token_carries_the_creditors_it_handles() -> None:
    token = _token(
        _claims(
            **{
                "custom:agency_id": None,
                "cognito:groups": ["finance"],
                "custom:creditors": "PRESSIMMO,POLIRIS,NOPE",
            }
        )
    )
    principal = _verifier().principal(token)
    assert isinstance(principal, FinanceUser)
    assert principal.creditors == {Creditor.PRESSIMMO, Creditor.POLIRIS}


def _refused(token: str) -> None:
    with pytest.raises(NotAuthenticated):
        _verifier().principal(token)


def test_a_token_signed_with_another_key_is_refused() -> None:
    _refused(_token(_claims(), key=OTHER_KEY))


def test_a_tampered_payload_is_refused() -> None:
    header, payload, signature = _token(_claims()).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["custom:agency_id"] = "AG-2002"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    _refused(f"{header}.{forged}.{signature}")


def test_an_expired_token_is_refused() -> None:
    _refused(_token(_claims(exp=int(time.time()) - 120, iat=int(time.time()) - 4000)))


def test_a_token_of_another_pool_is_refused() -> None:
    _refused(_token(_claims(iss="https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_other")))


def test_a_token_for_another_client_is_refused() -> None:
    _refused(_token(_claims(aud="another-client")))


def test_an_access_token_is_not_a_session() -> None:
    _refused(_token(_claims(token_use="access")))


def test_an_unsigned_alg_none_token_is_refused() -> None:
    _refused(jwt.encode(_claims(), "", algorithm="none", headers={"kid": "k1"}))


def test_an_hmac_token_keyed_with_the_public_key_is_refused() -> None:
    public_pem = POOL_KEY.public_key().public_numbers()
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","kid":"k1"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(_claims()).encode()).rstrip(b"=").decode()
    _refused(f"{header}.{body}.{_b64(public_pem.n)}")


def test_an_unknown_key_id_is_refused() -> None:
    _refused(_token(_claims(), kid="k2"))


def test_a_token_without_an_agency_is_refused() -> None:
    _refused(_token(_claims(**{"custom:agency_id": None})))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "é.é.é"])
def test_garbage_is_refused(garbage: str) -> None:
    _refused(garbage)


def test_keys_are_fetched_once_then_again_only_after_a_while() -> None:
    loads: list[float] = []
    now = [1000.0]

    def load() -> dict[str, rsa.PublicKey]:
        loads.append(now[0])
        return parse_jwks(_jwks(POOL_KEY, "k1"))

    keys = CachedKeySet(load, clock=lambda: now[0])
    assert keys.key("k1") is not None
    assert keys.key("unknown") is None
    now[0] += 301
    assert keys.key("unknown") is None
    assert loads == [1000.0, 1301.0]


@pytest.mark.parametrize("respelling", ["==", "=", "!", "\n"])
def test_a_signature_spelt_otherwise_is_refused_so_a_signed_out_token_cannot_come_back(
    respelling: str,
) -> None:
    token = _token(_claims())
    assert _verifier().principal(token)
    head, _, signature = token.rpartition(".")
    _refused(f"{head}.{signature}{respelling}")
    _refused(f"{head}.{signature[:10]}{respelling}{signature[10:]}")
