from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Organizations and people")

    def ready(self) -> None:
        from . import permissions, ratelimit, signals  # noqa: F401

        permissions.register_core()
