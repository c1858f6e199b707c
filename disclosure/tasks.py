"""Scheduled work on items, obligations and applications. Tasks are thin: they call a
service."""

from celery import shared_task
from django.utils import timezone

from . import obligations, services

TASK_OPTIONS = {"acks_late": True, "time_limit": 600, "soft_time_limit": 540}


@shared_task(**TASK_OPTIONS)
def generate_obligations() -> dict[str, int]:
    """Create the obligations and drafts of opened periods, then mark overdue ones."""
    today = timezone.localdate()
    return {
        "created": obligations.generate_periodic_obligations(today),
        "overdue": obligations.mark_overdue(today),
    }


@shared_task(**TASK_OPTIONS)
def release_planned_items() -> int:
    return services.release_planned_items()


@shared_task(**TASK_OPTIONS)
def expire_short_term_items() -> int:
    return services.expire_short_term_items()


@shared_task(**TASK_OPTIONS)
def lapse_filings() -> int:
    """Lapse the acknowledged non-disclosure filings whose date has passed."""
    return services.lapse_due_filings(timezone.localdate())


@shared_task(**TASK_OPTIONS)
def resume_deferred_requests() -> int:
    """Make deferred applications whose date has come await an answer again."""
    return services.resume_deferred_requests(today=timezone.localdate())
