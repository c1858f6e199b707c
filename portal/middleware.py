"""Chinese unless the person chose otherwise; no NUL characters in what a request sends;
HTTPS as only the portal's own proxy may say; nothing private kept in caches; idle sessions
end."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import BadRequest
from django.dispatch import receiver
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .ratelimit import from_trusted_proxy


class PortalLocaleMiddleware(LocaleMiddleware):
    """Pick the language from the switcher's cookie, else the account's preference, else
    Chinese: the browser's Accept-Language does not override the portal's default."""

    def process_request(self, request) -> None:
        supported = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in supported:
            user = getattr(request, "user", None)
            preferred = getattr(user, "language", "") if user is not None else ""
            chosen = preferred if preferred in supported else settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()


class RejectNulMiddleware:
    """Answer 400 to a request with a NUL character in its path, query or form fields.

    PostgreSQL cannot hold NUL in text, so looking up or saving such a value fails with a
    server error wherever it reaches the database (``?org=``, ``/orgs/<code>/``, a comment).
    No browser sends one from a page a person filled in. Uploaded files are not affected.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request.GET) or (
                request.method == "POST" and _has_nul(request.POST)):
            raise BadRequest("NUL character in the request.")
        return self.get_response(request)


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values)
               for key, values in data.lists())


class TrustedProxyMiddleware:
    """Treat the request as HTTPS when a proxy of ``settings.TRUSTED_PROXIES`` says so in
    X-Forwarded-Proto, and only then: the header of anybody else (a client reaching gunicorn
    directly, or one that writes the header itself) is dropped. Django's
    SECURE_PROXY_SSL_HEADER would believe it from anybody, so the portal does not set it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        proto = request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        # The right-most value is the one the nearest (trusted) proxy set.
        if (proto is not None and from_trusted_proxy(request)
                and proto.split(",")[-1].strip().lower() == "https"):
            request.META["wsgi.url_scheme"] = "https"
        return self.get_response(request)


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in person and on
    every file download (attachments, exports, archives), so that neither a shared proxy
    nor the browser's cache keeps a copy for the next person at the machine. A response
    that already says ``no-store`` is left as it is."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" in response.get("Cache-Control", ""):
            return response
        user = getattr(request, "user", None)
        download = (isinstance(response, FileResponse)
                    or response.has_header("Content-Disposition"))
        if download or (user is not None and user.is_authenticated):
            response.headers.pop("Expires", None)
            patch_cache_control(response, private=True, no_store=True, no_cache=True,
                                max_age=0)
        return response


IDLE_KEY = "_portal_last_seen"
IDLE_WRITE_SECONDS = 60  # how often a busy session's last activity is written


@receiver(user_logged_in, dispatch_uid="portal.middleware.start_idle_clock")
def start_idle_clock(sender, request=None, **kwargs) -> None:
    """A login starts the idle clock, saved with the new session (no write on the next
    request)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[IDLE_KEY] = int(time.time())


class IdleSessionMiddleware:
    """Sign out a session without a request for ``settings.SESSION_IDLE_MINUTES`` and send
    the person to the login page with a message (and back afterwards). The time of the last
    request is kept in the session, written at most once a minute."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        limit = settings.SESSION_IDLE_MINUTES * 60
        if user is not None and user.is_authenticated and limit > 0:
            now = int(time.time())
            last = request.session.get(IDLE_KEY)
            if isinstance(last, int) and now - last > limit:
                logout(request)
                messages.info(request, _("You were signed out after %(minutes)d minutes "
                                         "without activity. Please log in again.")
                              % {"minutes": settings.SESSION_IDLE_MINUTES})
                query = urlencode({"next": request.get_full_path()}) \
                    if request.method == "GET" else ""
                return redirect(reverse("login") + (f"?{query}" if query else ""))
            if not isinstance(last, int) or now - last >= IDLE_WRITE_SECONDS:
                request.session[IDLE_KEY] = now
        return self.get_response(request)
