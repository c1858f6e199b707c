"""Chinese unless the person chose otherwise; no NUL characters in what a request sends."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
