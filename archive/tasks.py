from celery import shared_task

from . import services


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def archive_due_items() -> int:
    """Archive expired, withdrawn and superseded periodic items."""
    return services.archive_due_items()
