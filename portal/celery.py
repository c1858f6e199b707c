"""The portal's Celery app: configuration from Django settings, tasks autodiscovered."""

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The daily jobs also run once whenever beat starts, so that a portal that was down at
# their scheduled time catches up at once. They are idempotent, so an extra run is harmless.
CATCH_UP_ON_START = (
    "disclosure.tasks.lapse_filings",
    "disclosure.tasks.generate_obligations",
    "portal.tasks.send_reminders",
    "disclosure.tasks.resume_deferred_requests",
    "portal.tasks.load_holidays",
)


@beat_init.connect
def catch_up(sender=None, **kwargs) -> None:
    for name in CATCH_UP_ON_START:
        app.send_task(name)
