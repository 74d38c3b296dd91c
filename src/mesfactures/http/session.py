"""The session cookie: the ID token, HttpOnly, Secure, SameSite=Strict, scoped to the API."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

SESSION_COOKIE = "mf_session"
_ATTRIBUTES = "Path=/api; HttpOnly; Secure; SameSite=Strict"


def session_cookie(token: str, max_age_seconds: int) -> str:
    return f"{SESSION_COOKIE}={token}; Max-Age={max_age_seconds}; {_ATTRIBUTES}"


def expired_session_cookie() -> str:
    return f"{SESSION_COOKIE}=; Max-Age=0; {_ATTRIBUTES}"


def session_token(cookie_header: str | None) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel and morsel.value else None
