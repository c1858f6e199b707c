"""Four eyes on privileged roles: requesting, approving and refusing a role grant.

Supervisor and reviewer roles (``PRIVILEGED_ROLES``) given in the admin start as a pending
:class:`RoleGrant`; a different authorised person (a superuser, or staff holding
``portal.decide_rolegrant``) approves it, which creates the membership, or refuses it.
Neither the person asking nor the person receiving the role may decide, and nobody asks
for themselves. The organization's supervisors are told of each request and decision.
Supervision group seats create their supervisor memberships through the feedback services
(an election, not an admin grant) and do not pass here.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from . import permissions, workflow
from .models import Membership, Organization, User
from .models_grants import PRIVILEGED_ROLES, RoleGrant
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


def _link(grant: RoleGrant, note) -> str:
    """Staff open the grant in the admin; supervisors the audit history of memberships."""
    if note.recipient.is_staff:
        return reverse("admin:portal_rolegrant_change", args=[grant.pk])
    return reverse("archive:history") + "?kind=membership"


def _texts(grant: RoleGrant) -> dict:
    return {"user": grant.user.display_name, "org": grant.organization.name,
            "role": grant.get_role_display(), "by": grant.requested_by.display_name,
            "state": grant.get_state_display()}


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
    if not is_privileged(role):
        raise ValidationError(_("Only supervisor and reviewer roles are granted this way."))
    if user.pk == actor.pk:
        raise ValidationError(self_grant_error())
    pending = RoleGrant.objects.filter(user=user, organization=organization, role=role,
                                       state=RoleGrant.State.PENDING)
    if pending.exists():
        raise ValidationError(_("The same role grant is already waiting for approval."))
    grant = RoleGrant(user=user, organization=organization, role=role, requested_by=actor,
                      reason=reason.strip(), **({"since": since} if since else {}),
                      until=until)
    workflow.create(grant, actor, action="request", comment=grant.reason,
                    reason=_("Role grant requested"))
    notify(supervisors_of(organization).exclude(pk=actor.pk), "rolegrant.requested",
           target_id=grant.pk)
    return grant


@transaction.atomic
def grant_decide(*, grant_id: int, actor: User, approve: bool,
                 comment: str = "") -> RoleGrant:
    """Approve (creating the membership) or refuse (with a reason) a pending grant."""
    grant = workflow.decide(RoleGrant, grant_id, approve=approve, actor=actor,
                            comment=comment, reason_required=_("Say why the grant is refused."),
                            on_approval=lambda g: {"membership": _membership(g, actor)})
    notify([*supervisors_of(grant.organization), grant.requested_by], "rolegrant.decided",
           target_id=grant.pk)
    return grant


def _membership(grant: RoleGrant, actor: User) -> Membership:
    membership = Membership(user=grant.user, organization=grant.organization, role=grant.role,
                            since=grant.since, until=grant.until)
    membership._history_user = actor  # type: ignore[attr-defined]
    membership._change_reason = str(_("Role grant approved"))  # type: ignore[attr-defined]
    membership.save()
    return membership


__all__ = ["grant_decide", "grant_request", "is_privileged", "may_decide", "visible_grants"]
