"""Scheduled work of the core. Tasks take ids, call one function, and return a count."""

from celery import shared_task
from django.utils import timezone

from . import deadlines, notifications
from .roles import sync_all_groups, users_with_membership_changes

TASK_OPTIONS = {"acks_late": True, "time_limit": 600, "soft_time_limit": 540}


@shared_task(**TASK_OPTIONS)
def sync_membership_groups() -> int:
    """Apply memberships that started or ended to the role groups."""
    return sync_all_groups(users_with_membership_changes(timezone.localdate()).iterator())


@shared_task(**TASK_OPTIONS)
def send_reminders() -> int:
    """Send due-soon, overdue and escalation reminders of every registered deadline."""
    return deadlines.run_reminders(timezone.localdate())


@shared_task(**TASK_OPTIONS)
def send_notification_emails(notification_ids: list[int]) -> int:
    return sum(notifications.send_email(pk) for pk in notification_ids)


@shared_task(**TASK_OPTIONS)
def send_pending_emails() -> int:
    return notifications.send_pending_emails()


@shared_task(**TASK_OPTIONS)
def load_holidays() -> int:
    """Load the national holidays and make-up working days the package knows, from last year
    on (days corrected in the admin are kept); return how many days were added."""
    from .holidays import load_recent

    return load_recent().created


@shared_task(**TASK_OPTIONS)
def send_reset_email(subject: str, body: str, from_email: str | None, to_email: str) -> int:
    """Send a password-reset message rendered by the request (see
    ``portal.views.QueuedPasswordResetForm``)."""
    from django.core.mail import EmailMessage

    return EmailMessage(subject, body, from_email, [to_email]).send()
