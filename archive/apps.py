from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    """The tamper-evident archive of finished items (built on disclosure)."""

    name = "archive"
    verbose_name = _("Archive")

    def ready(self) -> None:
        from . import permissions  # noqa: F401
