"""Scheduled work on items. Tasks are thin: they call a service and report a count."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def release_planned_items() -> int:
    return services.release_planned_items()


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100)
def expire_short_term_items() -> int:
    return services.expire_short_term_items()
