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

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger(__name__)

TOO_MANY_TEMPLATE = "429.html"
LOCKED_OUT_TEMPLATE = "registration/locked_out.html"


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` proxies
    that append to X-Forwarded-For, the entry the outermost of them added."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "")
                 .split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


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


def hit(request: HttpRequest, scope: str) -> Verdict:
    """Count one attempt of the request's address in ``scope``; refuse it past the limit."""
    limit, window, number, left = _window(scope)
    key = f"ratelimit:{scope}:{_bucket(client_ip(request))}:{number}"
    try:
        cache.add(key, 0, timeout=window + 60)
        count = cache.incr(key)
    except Exception:  # the cache is down or full: let the request through
        log.warning("Rate limit %s not counted: the cache failed.", scope, exc_info=True)
        return Verdict(True, 0, key)
    return Verdict(count <= limit, left, key)


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


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    """Answer a login refused by django-axes: 429 and the page that says how long to wait."""
    cool_off = settings.AXES_COOLOFF_TIME or timedelta(0)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    response = render(request, LOCKED_OUT_TEMPLATE, {"minutes": minutes},
                      status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
