"""Chinese unless the person chose otherwise."""

from django.conf import settings
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
