from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "disclosure"
    verbose_name = _("Disclosure")

    def ready(self) -> None:
        # Register the obligation deadlines and the notification texts.
        from . import notices, obligations, permissions, services, signals, visibility  # noqa: F401
