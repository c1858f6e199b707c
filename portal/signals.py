"""Keep role groups in step with memberships the moment a membership changes, and the
calendar's "is this year in place" shortcut with the calendar."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .holidays import forget_known
from .models import CalendarDay, Membership
from .roles import sync_user_groups


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance: Membership, **kwargs) -> None:
    sync_user_groups(instance.user)


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def calendar_day_changed(sender, instance: CalendarDay, **kwargs) -> None:
    forget_known(instance.date.year)
