from celery import shared_task

from .roles import sync_all_groups


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def sync_membership_groups() -> int:
    """Apply memberships that started or ended today to the role groups."""
    return sync_all_groups()
