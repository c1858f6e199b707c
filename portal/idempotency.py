"""A form sent twice makes its record once.

A create page rendered through :func:`once` carries a token in a hidden field
(``_form_fields.html`` writes it into each form the page shows). The first POST with the
token claims it in the shared cache with ``cache.add``, which is atomic: of two posts that
arrive together, exactly one goes through. When the view answers with a redirect (the
record was made), the token remembers where it went, for a day; a later POST with the same
token (the browser's back button and "save" again, a double click, a resent form) makes
nothing and goes to that page with a message. When the view answers otherwise (the form
came back with errors, the post was refused), the claim is dropped, so the same form can be
sent again once corrected. A post without a token (an old page, a script) is served as
before; a cache that fails lets the post through and logs it, like the rate limits.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

FIELD = "_once"
TOKEN = re.compile(r"^[0-9a-f]{32}$")
PENDING = "-"
REMEMBER_SECONDS = 24 * 3600
PENDING_SECONDS = 120  # a post that died half-way frees its token after this
WAIT_SECONDS = 5.0  # how long a second post waits for the first to finish


def _key(request: HttpRequest, token: str) -> str:
    # The token is the sender's: another person's post with it (a shared computer's tab
    # restores the token a page was sent with) is neither swallowed nor sent to the first
    # sender's record.
    user = getattr(request, "user", None)
    who = user.pk if user is not None and user.is_authenticated else "-"
    return f"idempotency:{who}:{request.path}:{token}"


def token_for(request: HttpRequest) -> str:
    """Return the token the page's form carries: the one posted (a form shown again keeps
    its token), or a new one."""
    posted = request.POST.get(FIELD, "") if request.method == "POST" else ""
    return posted if TOKEN.match(posted) else uuid.uuid4().hex


def _made(key: str) -> str | None:
    """Wait for the post holding ``key`` to finish; return where it went, or None."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = cache.get(key)
        if value != PENDING or time.monotonic() >= deadline:
            return value if value != PENDING else None
        time.sleep(0.1)


def _repeat(request: HttpRequest, key: str) -> HttpResponse:
    url = _made(key)
    if url:
        messages.info(request, _("This form was sent before; nothing was created a second "
                                 "time. Here is what the first sending saved."))
        return redirect(url)
    messages.warning(request, _("This form is being sent already; nothing was created a "
                                "second time. Please wait a moment and reload the page."))
    return redirect(request.get_full_path())


def once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Make a create view's POST idempotent by the token of its form (see the module)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = token_for(request)
        request.idempotency_token = token  # type: ignore[attr-defined]
        if request.method != "POST" or request.POST.get(FIELD) != token:
            return view(request, *args, **kwargs)
        key = _key(request, token)
        try:
            claimed = cache.add(key, PENDING, timeout=PENDING_SECONDS)
        except Exception:  # the cache is down: serve the post unguarded
            log.warning("Form token not checked: the cache failed.", exc_info=True)
            return view(request, *args, **kwargs)
        if not claimed:
            return _repeat(request, key)
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            _forget(key)
            raise
        if 300 <= response.status_code < 400 and response.get("Location"):
            _remember(key, response["Location"])
        else:
            _forget(key)
        return response

    return guarded


def _remember(key: str, url: str) -> None:
    try:
        cache.set(key, url, timeout=REMEMBER_SECONDS)
    except Exception:
        log.warning("Form token not remembered: the cache failed.", exc_info=True)


def _forget(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        log.warning("Form token not released: the cache failed.", exc_info=True)
