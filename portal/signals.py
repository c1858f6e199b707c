"""Keep role groups in step with memberships the moment a membership changes, the cached
rights of people (:func:`portal.roles.rights_changed`) in step with everything they are read
from, and the calendar's "is this year in place" shortcut with the calendar."""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from . import caching
from .caching import ORGANIZATIONS
from .holidays import forget_known
from .models import (
    CalendarDay,
    Membership,
    Notification,
    Organization,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
    RoleGroup,
    User,
)
from .notifications import notices_changed
from .roles import rights_changed, sync_user_groups


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance: Membership, **kwargs) -> None:
    sync_user_groups(instance.user)


@receiver(post_save, sender=Organization)
@receiver(post_delete, sender=Organization)
@receiver(post_save, sender=RoleGroup)
@receiver(post_delete, sender=RoleGroup)
@receiver(post_save, sender=OrganizationGroupObjectPermission)
@receiver(post_delete, sender=OrganizationGroupObjectPermission)
@receiver(post_delete, sender=Group)
def everyones_rights_changed(sender, **kwargs) -> None:
    """An organization moved or closed, or a role group or its grants changed: the rights
    of everyone are read again (these change seldom)."""
    rights_changed()


@receiver(post_save, sender=Organization)
@receiver(post_delete, sender=Organization)
def organizations_changed(sender, **kwargs) -> None:
    """The menus of organizations are read again."""
    caching.bump_on_commit(ORGANIZATIONS)


@receiver(post_save, sender=OrganizationUserObjectPermission)
@receiver(post_delete, sender=OrganizationUserObjectPermission)
def personal_grant_changed(sender, instance, **kwargs) -> None:
    rights_changed(instance.user_id)


@receiver(post_save, sender=User)
def account_changed(sender, instance: User, update_fields=None, **kwargs) -> None:
    """An account's rights depend on its being active (and a superuser), and the cached
    account (portal.backends) on every field; a login, which writes only the time of the
    last login, changes neither."""
    if update_fields is None or set(update_fields) - {"last_login"}:
        rights_changed(instance.pk)


@receiver(post_delete, sender=User)
def account_deleted(sender, instance: User, **kwargs) -> None:
    rights_changed(instance.pk)


@receiver(m2m_changed, sender=User.groups.through)
def groups_changed(sender, instance, action: str, reverse: bool, pk_set=None,
                   **kwargs) -> None:
    """Someone joined or left a group, from either side of the relation."""
    if not action.startswith("post_"):
        return
    if not reverse:  # user.groups.add(...)
        rights_changed(instance.pk)
    elif pk_set:  # group.user_set.add(...)
        for user_id in pk_set:
            rights_changed(user_id)
    else:  # group.user_set.clear(): whoever was in it
        rights_changed()


@receiver(post_save, sender=Notification)
@receiver(post_delete, sender=Notification)
def notice_changed(sender, instance: Notification, **kwargs) -> None:
    notices_changed(instance.recipient_id)


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
def calendar_day_changed(sender, instance: CalendarDay, **kwargs) -> None:
    forget_known(instance.date.year)
