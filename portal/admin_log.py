"""The admin's changes as workflow events, and who reads them.

Every add, change and deletion in the admin of users, memberships, organizations, role
grants and catalogs writes a :class:`portal.models.Event` (action ``admin.<what>``) in the
same transaction. The supervisors of an organization read those about it: its memberships
and role grants, the people holding a role in it, the catalogs it issued. Each app says
which organizations a record of its own belongs to with :func:`scope`, so the core needs no
import of the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Event, Membership, Organization, User
from .models_grants import RoleGrant
from .roles import overseen_q, signed_in

PREFIX = "admin."

# model → function(organization ids queryset) → ids of its records in those organizations.
# History tables are asked, so a deleted record still belongs where it was.
Scope = Callable[[QuerySet], QuerySet]
_scopes: dict[type[models.Model], Scope] = {}


def scope(model: type[models.Model], ids: Scope) -> None:
    """Declare which records of ``model`` belong to the given organizations."""
    _scopes[model] = ids


scope(Organization, lambda orgs: orgs)
scope(Membership, lambda orgs: Membership.history.filter(  # type: ignore[attr-defined]
    organization_id__in=orgs).values("id"))
scope(User, lambda orgs: Membership.history.filter(  # type: ignore[attr-defined]
    organization_id__in=orgs).values("user_id"))
scope(RoleGrant, lambda orgs: RoleGrant.history.filter(  # type: ignore[attr-defined]
    organization_id__in=orgs).values("id"))


def record(obj, actor, action: str, comment: str = "") -> Event:
    """Write the event of an admin change (``action``: added, changed, deleted, ...)."""
    return Event.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj), for_concrete_model=True),
        object_id=obj.pk, action=f"{PREFIX}{action}"[:40], actor=actor,
        comment=str(comment)[:2000])


def events_for(user) -> QuerySet[Event]:
    """Return the admin events ``user`` may read: superusers all, supervisors those about
    the organizations in their subtrees, everyone else none; newest first."""
    if not signed_in(user):
        return Event.objects.none()
    orgs = Organization.objects.filter(overseen_q(user, prefix="")).values("pk")
    about = Q(pk__in=[])
    types = ContentType.objects.get_for_models(*_scopes)
    for model, ids in _scopes.items():
        about |= Q(content_type=types[model], object_id__in=ids(orgs))
    decisions = Q(content_type=types[RoleGrant])  # requested, approved, refused
    return (Event.objects.filter(about & (Q(action__startswith=PREFIX) | decisions))
            .select_related("actor", "content_type").order_by("-created_at", "-pk"))


LABELS = {"added": _("Added"), "changed": _("Changed"), "deleted": _("Deleted"),
          # Role grants and staff grants alike; the record column says which.
          "request": _("Asked for approval"), "approve": _("Approved"),
          "reject": _("Refused")}


def label(event: Event) -> str:
    """Return what the event did, in the reader's language."""
    return str(LABELS.get(event.action.removeprefix(PREFIX), event.action))
