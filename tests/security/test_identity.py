"""Identity attacks: tokens that are missing, expired, forged, unsigned or from another pool; a user acting
out of their role; password guessing; a session replayed after its sign-out."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

import boto3
import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.config import REGION
from devstack.provisioning import DemoUser, ensure_user
from devstack.team import ensure_member
from mesfactures import wiring
from tests.security.conftest import AttackLog
from tests.support import DEMO, OTHER, Portal, together

AGENCY_ROUTES = [
    "account/me",
    "statement/creditors/PRESSIMMO/entries",
    "disputes/creditors/PRESSIMMO/disputes",
]
FINANCE_ONLY = [
    ("GET", "disputes/finance/disputes"),
    ("GET", "disputes/finance/disputes/01J0000000000000000000000"),
    ("POST", "disputes/finance/disputes/01J0000000000000000000000/transitions"),
    ("GET", "account/finance/changes"),
    ("GET", "account/finance/changes/01J0000000000000000000000"),
    ("POST", "account/finance/changes/01J0000000000000000000000/decision"),
]
AGENCY_ONLY = [
    ("GET", "statement/creditors/PRESSIMMO/entries"),
    ("GET", "statement/creditors/PRESSIMMO/documents/FA-2026-000001"),
    ("GET", "statement/creditors/PRESSIMMO/export.csv"),
    ("GET", "statement/creditors/PRESSIMMO/statement.pdf"),
    ("POST", "disputes/creditors/PRESSIMMO/disputes"),
    ("GET", "disputes/creditors/PRESSIMMO/disputes"),
    ("GET", "account/creditors/PRESSIMMO/profile"),
    ("POST", "account/creditors/PRESSIMMO/messages"),
    ("POST", "payments/creditors/PRESSIMMO/checkout"),
]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _pool_key() -> Any:
    """The private key every moto pool signs with: whoever holds it can mint a token moto would have made."""
    packed = resources.files("moto").joinpath("cognitoidp/resources/jwks-private.json.gz").read_bytes()
    return jwt.algorithms.RSAAlgorithm.from_jwk(gzip.decompress(packed).decode())


def _demo_sub() -> str:
    """The demo administrator's id: a minted token of theirs finds their member (active, with a role)."""
    user = boto3.client("cognito-idp", region_name=REGION).admin_get_user(
        UserPoolId=wiring.settings().user_pool_id, Username=DEMO.email
    )
    return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")


def _claims(**overrides: Any) -> dict[str, Any]:
    settings = wiring.settings()
    now = int(time.time())
    claims = {
        "iss": settings.cognito_issuer,
        "aud": settings.user_pool_client_id,
        "sub": _demo_sub(),
        "token_use": "id",
        "email": DEMO.email,
        "custom:agency_id": "AG-1001",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _signed(claims: dict[str, Any], key: Any = None, algorithm: str = "RS256") -> str:
    return jwt.encode(claims, key or _pool_key(), algorithm=algorithm, headers={"kid": "dummy"})


def _tampered(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return ".".join([header, _b64({**claims, **changes}), signature])


def _another_pools_token() -> str:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id = cognito.create_user_pool(PoolName="another-portal", UsernameAttributes=["email"])["UserPool"][
        "Id"
    ]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="site", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    ensure_user(cognito, pool_id, DemoUser(DEMO.email, DEMO.password, agency_id="AG-1001"))
    answer = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": DEMO.email, "PASSWORD": DEMO.password},
    )
    return str(answer["AuthenticationResult"]["IdToken"])


def _unsigned(claims: dict[str, Any]) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'dummy'})}.{_b64(claims)}."


def _hs256_with_the_public_key(claims: dict[str, Any]) -> str:
    # The classic algorithm confusion: the pool's public key used as an HMAC secret.
    public = _pool_key().public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": "dummy"})
    signing_input = f"{header}.{_b64(claims)}"
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


REFUSED: dict[str, Callable[[Portal], str]] = {
    "expired": lambda _: _signed(_claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
    "issued in the future": lambda _: _signed(_claims(iat=int(time.time()) + 3600)),
    "unsigned (alg none)": lambda _: _unsigned(_claims()),
    "signed by another key": lambda _: _signed(
        _claims(), rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ),
    "HS256 with the public key": lambda _: _hs256_with_the_public_key(_claims()),
    "another issuer": lambda _: _signed(
        _claims(iss="https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_other")
    ),
    "another client": lambda _: _signed(_claims(aud="another-client-id")),
    "an access token": lambda _: _signed(_claims(token_use="access")),
    "no agency": lambda _: _signed(_claims(**{"custom:agency_id": None})),
    "no expiry": lambda _: _signed(_claims(exp=None)),
    "a real token of another pool": lambda _: _another_pools_token(),
    "a real token, agency changed": lambda portal: _tampered(
        portal.session_cookie(DEMO)["Cookie"].split("=", 1)[1], **{"custom:agency_id": "AG-2002"}
    ),
    "a real token, made finance": lambda portal: _tampered(
        portal.session_cookie(DEMO)["Cookie"].split("=", 1)[1], **{"cognito:groups": ["finance"]}
    ),
    "a real token, signature cut": lambda portal: portal.session_cookie(DEMO)["Cookie"].split("=", 1)[1][:-8],
}


def test_a_token_minted_with_the_pools_key_is_accepted_so_the_refusals_below_mean_something(
    portal: Portal,
) -> None:
    answer = requests.get(portal.api("account/me"), cookies={"mf_session": _signed(_claims())}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["agency"]["id"] == "AG-1001"


def test_every_bad_token_is_refused_on_every_service_like_no_session(
    portal: Portal, attacks: AttackLog
) -> None:
    failures = []
    for name, make in REFUSED.items():
        token = make(portal)
        for route in AGENCY_ROUTES:
            answer = requests.get(portal.api(route), cookies={"mf_session": token}, timeout=10)
            if answer.status_code != 401 or answer.json()["code"] != "not_authenticated":
                failures.append(f"{name} on {route}: {answer.status_code} {answer.text[:80]}")
    attacks.record("identity: bad tokens", len(REFUSED) * len(AGENCY_ROUTES), failures)
    assert failures == []


@pytest.mark.parametrize(("method", "route"), FINANCE_ONLY)
def test_an_agency_user_is_refused_every_finance_route(
    portal: Portal, demo: dict[str, str], method: str, route: str, attacks: AttackLog
) -> None:
    answer = requests.request(method, portal.api(route), headers=demo, json={}, timeout=10)
    attacks.record("identity: roles", 1, [] if answer.status_code == 403 else [route])
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"


@pytest.mark.parametrize(("method", "route"), AGENCY_ONLY)
def test_a_finance_user_is_refused_every_agency_route(
    portal: Portal, finance: dict[str, str], method: str, route: str, attacks: AttackLog
) -> None:
    answer = requests.request(method, portal.api(route), headers=finance, json={}, timeout=10)
    attacks.record("identity: roles", 1, [] if answer.status_code == 403 else [route])
    assert answer.status_code == 403


def _log_in(portal: Portal, username: str, password: str) -> requests.Response:
    return requests.post(
        portal.api("account/session"), json={"username": username, "password": password}, timeout=10
    )


def test_after_five_wrong_passwords_even_the_right_one_is_refused_for_a_while(
    portal: Portal, attacks: AttackLog
) -> None:
    guessed = DemoUser("devinette@agence-exemple.fr", "Devinette-2026!", agency_id="AG-2002")
    pool_id = portal.running.identity.user_pool_id
    ensure_user(boto3.client("cognito-idp", region_name=REGION), pool_id, guessed)
    ensure_member(pool_id, guessed.email, "lecture", "Devi", "Nette")
    assert _log_in(portal, guessed.email, guessed.password).status_code == 201
    statuses = [_log_in(portal, guessed.email, f"Essai-{n}-2026!").status_code for n in range(5)]
    locked = _log_in(portal, guessed.email.upper(), guessed.password)
    attacks.record("identity: password guessing", 7, [] if locked.status_code == 429 else ["not limited"])
    assert statuses == [401] * 5
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_sign_ins" and "Set-Cookie" not in locked.headers
    assert _log_in(portal, OTHER.email, OTHER.password).status_code == 201, "other users are not locked out"


def test_guesses_sent_all_at_once_get_five_tries_not_more(portal: Portal, attacks: AttackLog) -> None:
    statuses = together(20, lambda: _log_in(portal, "rafale@agence-exemple.fr", "Essai-2026!").status_code)
    tried = statuses.count(401)
    attacks.record("identity: password guessing", len(statuses), [] if tried <= 5 else [f"{tried} tries"])
    assert tried <= 5 and statuses.count(429) == 20 - tried


def test_an_unknown_identifier_is_limited_the_same_way(portal: Portal) -> None:
    statuses = [_log_in(portal, "personne@nulle-part.example", "Essai-2026!").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_a_session_copied_before_sign_out_is_refused_after_it(portal: Portal, attacks: AttackLog) -> None:
    copied = portal.session_cookie(DEMO)
    elsewhere = portal.session_cookie(DEMO)
    assert requests.get(portal.api("account/me"), headers=copied, timeout=10).status_code == 200
    answer = requests.delete(portal.api("account/session"), headers=copied, timeout=10)
    assert answer.status_code == 204 and "Max-Age=0" in answer.headers["Set-Cookie"]
    replayed = [
        requests.get(portal.api(route), headers=copied, timeout=10).status_code for route in AGENCY_ROUTES
    ]
    respelt = {"Cookie": copied["Cookie"] + "=="}  # the same signature, spelt with padding
    replayed.append(requests.get(portal.api("account/me"), headers=respelt, timeout=10).status_code)
    attacks.record(
        "identity: replay after sign-out", len(replayed), [s for s in map(str, replayed) if s != "401"]
    )
    assert replayed == [401] * (len(AGENCY_ROUTES) + 1)
    assert requests.get(portal.api("account/me"), headers=elsewhere, timeout=10).status_code == 200


def test_a_signed_out_session_gets_no_statement_document_or_export_even_while_the_check_runs_beside(
    portal: Portal, attacks: AttackLog
) -> None:
    copied = portal.session_cookie(DEMO)
    page = requests.get(
        portal.api("statement/creditors/POLIRIS/entries"), params={"scope": "all"}, headers=copied, timeout=10
    ).json()
    number = next(entry["number"] for entry in page["entries"] if entry["has_document"])
    reads = [
        "statement/creditors/POLIRIS/entries?scope=all",
        "statement/creditors/POLIRIS/summary",
        f"statement/creditors/POLIRIS/documents/{number}",
        f"statement/creditors/POLIRIS/documents/{number}?redirect=true",
        "statement/creditors/POLIRIS/export.csv",
        "statement/creditors/POLIRIS/documents/FA-1999-000000",  # unknown: 401 too, never 404
    ]
    assert requests.get(portal.api(reads[2]), headers=copied, timeout=10).status_code == 200

    assert requests.delete(portal.api("account/session"), headers=copied, timeout=10).status_code == 204
    answers = [
        requests.get(portal.api(path), headers=copied, timeout=10, allow_redirects=False) for path in reads
    ]

    statuses = [answer.status_code for answer in answers]
    attacks.record("identity: replay after sign-out", len(statuses), [str(s) for s in statuses if s != 401])
    assert statuses == [401] * len(reads)
    assert all("url" not in answer.text and "Location" not in answer.headers for answer in answers)
