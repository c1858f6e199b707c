"""Keep role groups in step with memberships the moment a membership changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Membership
from .roles import sync_user_groups


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance: Membership, **kwargs) -> None:
    sync_user_groups(instance.user)
