"""Four eyes on privileged roles: requesting, approving and refusing a role grant.

Supervisor and reviewer roles (``PRIVILEGED_ROLES``) given in the admin start as a pending
:class:`RoleGrant`; a different authorised person (a superuser, or staff holding
``portal.decide_rolegrant``) approves it, which creates the membership, or refuses it.
Neither the person asking nor the person receiving the role may decide, and nobody asks
for themselves. Everyone who may approve, the person receiving the role and the
organization's supervisors are told of a request; the requester, the receiver and the
supervisors of the decision.

Site rights (staff with a group, superuser) go the same way as a :class:`StaffGrant`,
between superusers; taking them away is immediate (:func:`revoke_site_rights`). Both are
``admin.*`` events.
Supervision group seats create their supervisor memberships through the feedback services
(an election, not an admin grant) and do not pass here.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from . import admin_log, permissions, workflow
from .models import Membership, Organization, User
from .models_grants import PRIVILEGED_ROLES, RoleGrant, StaffGrant
from .notifications import notify, register_texts
from .roles import is_superuser, overseen_q, oversees, role_holders, signed_in


def is_privileged(role: str) -> bool:
    """Return whether granting ``role`` in the admin needs a second person's approval."""
    return role in PRIVILEGED_ROLES


def self_grant_error() -> str:
    return _("Nobody grants a role to themselves: ask another administrator.")


# The permission home of role grants.

def may_decide(user, grant: RoleGrant) -> bool:
    """Return whether ``user`` may approve or refuse the grant: authorised, and neither the
    person who asked nor the person who would hold the role."""
    if not signed_in(user) or user.pk in (grant.requested_by_id, grant.user_id):
        return False
    return is_superuser(user) or (user.is_staff and user.has_perm("portal.decide_rolegrant"))


def can_view_grant(user, grant: RoleGrant) -> bool:
    """Staff who may see grants in the admin, the people involved, and the supervisors of
    the organization."""
    if not signed_in(user):
        return False
    return (is_superuser(user) or (user.is_staff and user.has_perm("portal.view_rolegrant"))
            or user.pk in (grant.requested_by_id, grant.user_id)
            or oversees(user, grant.organization))


def visible_grants(user) -> QuerySet[RoleGrant]:
    """The queryset twin of :func:`can_view_grant`."""
    if not signed_in(user):
        return RoleGrant.objects.none()
    if is_superuser(user) or (user.is_staff and user.has_perm("portal.view_rolegrant")):
        return RoleGrant.objects.all()
    return RoleGrant.objects.filter(
        Q(requested_by=user) | Q(user=user) | overseen_q(user))


def register() -> None:
    permissions.register(permissions.Rules(
        RoleGrant, visible=visible_grants, can_view=can_view_grant,
        rules={"decide": may_decide}, related=("organization", "user", "requested_by"),
    ))
    register_texts(RoleGrant, ["rolegrant.requested", "rolegrant.decided"], _texts,
                   url=_link)
    permissions.register(permissions.Rules(
        StaffGrant, visible=visible_staff_grants, can_view=can_view_staff_grant,
        rules={"decide": may_decide_staff}, related=("user", "group", "requested_by"),
    ))
    register_texts(StaffGrant, ["staffgrant.requested", "staffgrant.decided"], _staff_texts,
                   url=_staff_link)


def _link(grant: RoleGrant, note) -> str:
    """Where the reader can follow the grant: staff who may open it in the admin go there,
    the organization's supervisors to the admin's changes they read (a pending grant is no
    membership yet), everyone else (the person receiving the role) to their notices."""
    reader = note.recipient
    if reader.is_staff and (is_superuser(reader) or reader.has_perm("portal.view_rolegrant")
                            or reader.has_perm("portal.change_rolegrant")):
        return reverse("admin:portal_rolegrant_change", args=[grant.pk])
    if oversees(reader, grant.organization):
        return reverse("admin_changes")
    return reverse("notification_list")


def _texts(grant: RoleGrant) -> dict:
    return {"user": grant.user.display_name, "org": grant.organization.name,
            "role": grant.get_role_display(), "by": grant.requested_by.display_name,
            "state": grant.get_state_display(), "reason": _refusal(grant)}


def _refusal(grant) -> str:
    """The decider's reason, when the grant was refused."""
    return grant.comment if grant.state == RoleGrant.State.REFUSED else ""


def deciders() -> QuerySet[User]:
    """Return the active people who may approve role grants: superusers, and staff holding
    ``portal.decide_rolegrant`` (directly or through a group)."""
    perm = Q(codename="decide_rolegrant", content_type__app_label="portal")
    ids = Permission.objects.filter(perm).values("pk")
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(is_staff=True) & (
            Q(user_permissions__in=ids) | Q(groups__permissions__in=ids))).distinct()


def supervisors_of(organization: Organization) -> QuerySet[User]:
    """Return the people who supervise the organization (of it or any organization above)."""
    ids = [int(part) for part in organization.path.strip("/").split("/") if part]
    return role_holders(ids, ["supervisor"])


# The services.

@transaction.atomic
def grant_request(*, user: User, organization: Organization, role: str, actor: User,
                  since: dt.date | None = None, until: dt.date | None = None,
                  reason: str = "") -> RoleGrant:
    """Ask for ``user`` to hold the privileged ``role`` in ``organization``; nothing is
    granted until another authorised person approves."""
    check_request(user=user, organization=organization, role=role, actor=actor)
    grant = RoleGrant(user=user, organization=organization, role=role, requested_by=actor,
                      reason=reason.strip(), **({"since": since} if since else {}),
                      until=until)
    workflow.create(grant, actor, action="request", comment=grant.reason,
                    reason=_("Role grant requested"))
    told = [*supervisors_of(organization), *deciders().exclude(pk=user.pk), user]
    notify([u for u in told if u.pk != actor.pk], "rolegrant.requested", target_id=grant.pk)
    return grant


@transaction.atomic
def grant_decide(*, grant_id: int, actor: User, approve: bool,
                 comment: str = "") -> RoleGrant:
    """Approve (creating the membership) or refuse (with a reason) a pending grant."""
    grant = workflow.decide(RoleGrant, grant_id, approve=approve, actor=actor,
                            comment=comment, reason_required=_("Say why the grant is refused."),
                            on_approval=lambda g: {"membership": _membership(g, actor)})
    told = [*supervisors_of(grant.organization), grant.requested_by, grant.user]
    notify([u for u in told if u.pk != actor.pk], "rolegrant.decided", target_id=grant.pk)
    return grant


def _membership(grant: RoleGrant, actor: User) -> Membership:
    membership = Membership(user=grant.user, organization=grant.organization, role=grant.role,
                            since=grant.since, until=grant.until)
    membership._history_user = actor  # type: ignore[attr-defined]
    membership._change_reason = str(_("Role grant approved"))  # type: ignore[attr-defined]
    membership.save()
    return membership


def check_request(*, user: User, organization: Organization, role: str, actor: User) -> None:
    """Raise ``ValidationError`` if the role grant may not be asked for (the form's check;
    :func:`grant_request` checks again under the transaction)."""
    if not is_privileged(role):
        raise ValidationError(_("Only supervisor and reviewer roles are granted this way."))
    if user.pk == actor.pk:
        raise ValidationError(self_grant_error())
    if RoleGrant.objects.filter(user=user, organization=organization, role=role,
                                state=RoleGrant.State.PENDING).exists():
        raise ValidationError(_("The same role grant is already waiting for approval."))


# Site rights: staff with a group, and superuser, between superusers.

def may_decide_staff(user, grant: StaffGrant) -> bool:
    """A superuser who neither asked nor would receive the right."""
    return (signed_in(user) and is_superuser(user)
            and user.pk not in (grant.requested_by_id, grant.user_id))


def can_view_staff_grant(user, grant: StaffGrant) -> bool:
    return signed_in(user) and (is_superuser(user)
                                or user.pk in (grant.requested_by_id, grant.user_id))


def visible_staff_grants(user) -> QuerySet[StaffGrant]:
    if not signed_in(user):
        return StaffGrant.objects.none()
    if is_superuser(user):
        return StaffGrant.objects.all()
    return StaffGrant.objects.filter(Q(requested_by=user) | Q(user=user))


def superusers() -> QuerySet[User]:
    return User.objects.filter(is_active=True, is_superuser=True)


def _staff_texts(grant: StaffGrant) -> dict:
    return {"user": grant.user.display_name, "right": str(grant),
            "by": grant.requested_by.display_name, "state": grant.get_state_display(),
            "reason": _refusal(grant)}


def _staff_link(grant: StaffGrant, note) -> str:
    if is_superuser(note.recipient):
        return reverse("admin:portal_staffgrant_change", args=[grant.pk])
    return reverse("notification_list")


def check_staff_request(*, user: User, right: str, group: Group | None, actor: User) -> None:
    """Raise ``ValidationError`` if the site right may not be asked for."""
    if not is_superuser(actor):
        raise PermissionDenied
    if user.pk == actor.pk:
        raise ValidationError(self_grant_error())
    if right == StaffGrant.Right.STAFF and group is None:
        raise ValidationError(_("Staff rights are given with a group."))
    if group is not None and hasattr(group, "role_group"):
        raise ValidationError(_("Role groups follow memberships; choose another group."))
    if right == StaffGrant.Right.SUPERUSER and group is not None:
        raise ValidationError(_("Superuser rights are given without a group."))
    if right == StaffGrant.Right.SUPERUSER and user.is_superuser or (
            right == StaffGrant.Right.STAFF and user.is_staff
            and group is not None and user.groups.filter(pk=group.pk).exists()):
        raise ValidationError(_("The person holds this right already."))
    if StaffGrant.objects.filter(user=user, right=right,
                                 state=StaffGrant.State.PENDING).exists():
        raise ValidationError(_("A request for this right is already waiting for approval."))


@transaction.atomic
def staff_request(*, user: User, right: str, actor: User, group: Group | None = None,
                  reason: str = "") -> StaffGrant:
    """A superuser asks for ``user`` to receive site rights; nothing changes until another
    superuser approves."""
    User.objects.select_for_update().get(pk=user.pk)
    check_staff_request(user=user, right=right, group=group, actor=actor)
    grant = StaffGrant(user=user, right=right, group=group, requested_by=actor,
                       reason=reason.strip())
    workflow.create(grant, actor, action="request",
                    comment=_("Asked for %(grant)s. %(reason)s") % {
                        "grant": grant, "reason": grant.reason},
                    reason=_("Site rights requested"))
    notify([*superusers().exclude(pk__in=[actor.pk, user.pk]), user], "staffgrant.requested",
           target_id=grant.pk)
    return grant


@transaction.atomic
def staff_decide(*, grant_id: int, actor: User, approve: bool,
                 comment: str = "") -> StaffGrant:
    """Approve (setting the flags and the group) or refuse (with a reason) a pending
    request for site rights."""
    grant = workflow.decide(StaffGrant, grant_id, approve=approve, actor=actor,
                            comment=comment, reason_required=_("Say why the grant is refused."),
                            on_approval=lambda g: _apply_site_right(g, actor))
    notify([u for u in [*superusers(), grant.requested_by, grant.user] if u.pk != actor.pk],
           "staffgrant.decided", target_id=grant.pk)
    return grant


def _apply_site_right(grant: StaffGrant, actor: User) -> dict:
    user = User.objects.select_for_update().get(pk=grant.user_id)
    user.is_staff = True
    if grant.right == StaffGrant.Right.SUPERUSER:
        user.is_superuser = True
    user._history_user = actor  # type: ignore[attr-defined]
    user._change_reason = str(_("Site rights granted"))  # type: ignore[attr-defined]
    user.save(update_fields=["is_staff", "is_superuser"])
    if grant.group_id is not None:
        user.groups.add(grant.group_id)
    return {}


@transaction.atomic
def revoke_site_rights(*, user: User, actor: User, superuser_only: bool = False) -> bool:
    """Take away at once ``user``'s superuser flag, and unless ``superuser_only`` also
    staff rights, groups (not the role groups of memberships) and direct permissions; an
    ``admin.changed`` event. Return whether anything changed. Only superusers do this, and
    not to themselves."""
    if not is_superuser(actor):
        raise PermissionDenied
    if user.pk == actor.pk:
        raise ValidationError(_("Ask another superuser to take away your own rights."))
    user = User.objects.select_for_update().get(pk=user.pk)
    # Role groups follow memberships (``roles.sync_user_groups``) and stay.
    site_groups = user.groups.filter(role_group__isnull=True)
    groups = [] if superuser_only else [str(g) for g in site_groups]
    perms = 0 if superuser_only else user.user_permissions.count()
    flags = ["is_superuser"] if superuser_only else ["is_superuser", "is_staff"]
    removed = [name for name in flags if getattr(user, name)]
    if not (removed or groups or perms):
        return False
    for name in flags:
        setattr(user, name, False)
    user._history_user = actor  # type: ignore[attr-defined]
    user._change_reason = str(_("Site rights removed"))  # type: ignore[attr-defined]
    user.save(update_fields=flags)
    if not superuser_only:
        user.groups.remove(*site_groups)
        user.user_permissions.clear()
    admin_log.record(user, actor, "changed", _(
        "Site rights removed from “%(user)s”: %(what)s.") % {
        "user": user, "what": ", ".join([*removed, *groups]
                                        + ([_("direct permissions")] if perms else []))})
    return True


__all__ = ["grant_decide", "grant_request", "is_privileged", "may_decide", "revoke_site_rights",
           "staff_decide", "staff_request", "visible_grants", "visible_staff_grants"]
