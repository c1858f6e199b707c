"""Limits on what one address may do in a while, and whose address a request is.

A scope (``"feedback.track"``) has a limit and a window in seconds in
``settings.RATE_LIMITS``. An address's count lives in the shared cache under a key of the
scope, the address and the current window, so it starts again with each window. The first
attempt creates the key (``cache.add``, atomic) and every attempt increments it
(``cache.incr``, atomic in Redis and in the local-memory cache): requests arriving together
cannot slip past the limit together. The key outlives its window, so it cannot expire
between the two calls. A cache that fails lets requests through and logs it: the limits
guard against abuse, they must not take the public pages down.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

log = logging.getLogger(__name__)

TOO_MANY_TEMPLATE = "429.html"
LOCKED_OUT_TEMPLATE = "registration/locked_out.html"


def _trusted(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(parsed in network for network in trusted_proxies())


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks of ``settings.TRUSTED_PROXIES`` (addresses or CIDR ranges)."""
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the connection comes from one of the portal's own reverse proxies, the only
    peers whose X-Forwarded-For and X-Forwarded-Proto headers are believed."""
    return _trusted(request.META.get("REMOTE_ADDR", ""))


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, unless the connection comes from a proxy of
    ``settings.TRUSTED_PROXIES``; then the right-most X-Forwarded-For entry that is not one of
    them (each proxy appends the address it saw, whatever a client sent stays to the left).
    A client that reaches the application server directly cannot choose its address."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not from_trusted_proxy(request):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "")
                 .split(",") if part.strip()]
    for entry in reversed(forwarded):
        try:
            address = str(ipaddress.ip_address(entry))
        except ValueError:
            return remote  # garbled by someone: the proxy's own address, never a guess
        if not _trusted(address):
            return address
    return remote


@checks.register(checks.Tags.security)
def check_trusted_proxies(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Refuse addresses that are no address, and say that the proxy count is gone."""
    messages: list[checks.CheckMessage] = []
    try:
        trusted_proxies()
    except ValueError as error:
        messages.append(checks.Error(
            f"TRUSTED_PROXIES holds something that is not an address or network: {error}",
            id="portal.E002"))
    if getattr(settings, "TRUSTED_PROXY_COUNT", 0):
        messages.append(checks.Warning(
            "TRUSTED_PROXY_COUNT is no longer read: forwarded headers are believed only from "
            "the addresses in TRUSTED_PROXIES.",
            hint="Set TRUSTED_PROXIES to the reverse proxy's address, e.g. 172.31.250.10.",
            id="portal.W002"))
    return messages


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn when the limits would count in each web process's own memory."""
    if str(settings.CACHES["default"]["BACKEND"]).endswith("LocMemCache"):
        return [checks.Warning(
            "Rate limits are counted in each process's own memory, so every gunicorn "
            "worker allows the full limit.",
            hint="Set CACHE_URL to a Redis database all web processes share, "
                 "e.g. redis://redis:6379/1.",
            id="portal.W001")]
    return []


def _bucket(address: str) -> str:
    """One IPv4 address, or the /64 network of an IPv6 one (what one subscriber holds)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends
    key: str


def _window(scope: str) -> tuple[int, int, str, int]:
    limit, window = settings.RATE_LIMITS[scope]
    now = time.time()
    number = int(now // window)
    return limit, window, str(number), math.ceil((number + 1) * window - now)


def hit(request: HttpRequest | None, scope: str, *, who: str | None = None) -> Verdict:
    """Count one attempt of the request's address in ``scope``; refuse it past the limit.
    ``who`` counts under another name instead of the address (an e-mail address, or one
    count for everybody)."""
    limit, window, number, left = _window(scope)
    key = _key(scope, request, who, number)
    try:
        cache.add(key, 0, timeout=window + 60)
        count = cache.incr(key)
    except Exception:  # the cache is down or full: let the request through
        log.warning("Rate limit %s not counted: the cache failed.", scope, exc_info=True)
        return Verdict(True, 0, key)
    return Verdict(count <= limit, left, key)


def reached(request: HttpRequest | None, scope: str, *, who: str | None = None) -> Verdict:
    """Whether ``scope`` has already counted its limit in this window, without counting."""
    limit, _window_seconds, number, left = _window(scope)
    key = _key(scope, request, who, number)
    try:
        count = cache.get(key, 0)
    except Exception:  # the cache is down: let the request through
        log.warning("Rate limit %s not read: the cache failed.", scope, exc_info=True)
        return Verdict(True, 0, key)
    return Verdict(limit <= 0 or count < limit, left, key)


def _key(scope: str, request: HttpRequest | None, who: str | None, number: str) -> str:
    if who is None:
        assert request is not None, "a count per address needs the request"
        who = _bucket(client_ip(request))
    return f"ratelimit:{scope}:{who}:{number}"


def undo(verdict: Verdict) -> None:
    """Take back an attempt that turned out not to count (a tracking code that exists)."""
    try:
        cache.decr(verdict.key)
    except Exception:  # expired or the cache is down: nothing to take back
        log.debug("Rate limit attempt %s not taken back.", verdict.key, exc_info=True)


def too_many(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """Answer 429 with the page that says how long to wait."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, TOO_MANY_TEMPLATE, {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def refusal(scope: str, *, retry_after: int) -> str:
    """The sentence that names the limit of ``scope`` and when to try again."""
    limit, window = settings.RATE_LIMITS[scope]
    minutes = max(1, math.ceil(retry_after / 60))
    return ngettext(
        "At most %(limit)s of these may be sent from one address within %(window)s minutes. "
        "This one was not sent; what you wrote is kept below. Please try again in "
        "%(minutes)s minute, or sign in.",
        "At most %(limit)s of these may be sent from one address within %(window)s minutes. "
        "This one was not sent; what you wrote is kept below. Please try again in "
        "%(minutes)s minutes, or sign in.",
        minutes) % {"limit": limit, "window": window // 60, "minutes": minutes}


def too_many_for_form(request: HttpRequest, template: str, context: dict[str, Any], *,
                      scope: str, retry_after: int) -> HttpResponse:
    """Answer 429 with the form's own page: the form (``context["form"]``) keeps what was
    typed and says which limit refused it and when to try again."""
    context["form"].add_error(None, refusal(scope, retry_after=retry_after))
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# Login limits on top of django-axes's lockout of one username from one address: failed
# logins per address whatever the usernames (password spraying), and failed logins of the
# whole portal (spraying from many addresses). Failures are counted by the signal below;
# the backend, first in AUTHENTICATION_BACKENDS, refuses logins once a count is reached
# and lets AxesMiddleware answer with the lockout page.
LOGIN_ADDRESS = "login.address"
LOGIN_GLOBAL = "login.global"
EVERYBODY = "all"


class LoginLimitBackend:
    """Refuses every login, right or wrong, from an address that has failed
    ``LOGIN_FAILURES_PER_ADDRESS`` times in the window, or from anybody once the portal has
    counted ``LOGIN_FAILURES_GLOBAL`` failures in it (0 switches a limit off)."""

    def authenticate(self, request: HttpRequest | None, username=None, password=None,
                     **kwargs):
        if request is None or not getattr(settings, "AXES_ENABLED", True):
            return None
        for scope, who in ((LOGIN_ADDRESS, None), (LOGIN_GLOBAL, EVERYBODY)):
            if settings.RATE_LIMITS[scope][0] <= 0:
                continue
            verdict = reached(request, scope, who=who)
            if not verdict.allowed:
                # AxesMiddleware answers with locked_out() below; axes does not count it.
                request.axes_locked_out = True  # type: ignore[attr-defined]
                request.login_limit = (scope, verdict.retry_after)  # type: ignore[attr-defined]
                raise PermissionDenied
        return None  # no get_user(): it never signs anybody in


@receiver(user_login_failed, dispatch_uid="portal.ratelimit.count_login_failure")
def count_login_failure(sender, credentials=None, request=None, **kwargs) -> None:
    """Count a wrong password against the address and the whole portal (not a login that a
    limit or axes refused: that guessed nothing)."""
    if request is None or getattr(request, "axes_locked_out", False):
        return
    if not getattr(settings, "AXES_ENABLED", True):
        return
    if settings.RATE_LIMITS[LOGIN_ADDRESS][0] > 0:
        hit(request, LOGIN_ADDRESS)
    if settings.RATE_LIMITS[LOGIN_GLOBAL][0] > 0:
        hit(request, LOGIN_GLOBAL, who=EVERYBODY)


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    """Answer a refused login: 429 and the page that says why and how long to wait (axes's
    lockout of the username from the address, or one of the login limits above)."""
    limit = getattr(request, "login_limit", None)
    if limit is not None:
        reason, seconds = limit
    else:
        cool_off = settings.AXES_COOLOFF_TIME or timedelta(0)
        reason, seconds = "login.account", int(cool_off.total_seconds())
    minutes = max(1, math.ceil(seconds / 60))
    response = render(request, LOCKED_OUT_TEMPLATE, {"minutes": minutes, "reason": reason},
                      status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    return response
