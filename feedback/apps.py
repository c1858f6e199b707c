from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Feedback, rectification orders and evaluation campaigns (built on disclosure)."""

    name = "feedback"
    verbose_name = _("Feedback and supervision")

    def ready(self) -> None:
        # Register the reply deadlines and the notification texts.
        from . import notices, permissions, services  # noqa: F401
