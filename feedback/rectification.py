"""限期整改: order, respond, verify (close or send back), with deadline reminders."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disclosure.errors import TransitionError
from portal import deadlines
from portal.models import Organization, User
from portal.notifications import notify
from portal.roles import has_org_perm, role_holders, supervises

from .models import RectificationOrder

Order = RectificationOrder
State = Order.State


def may_order(user: User, organization: Organization) -> bool:
    """Supervisors of the subtree and reviewers of the parent order rectification."""
    return supervises(user, organization) or has_org_perm(user, "review", organization.parent_id)


def _officers(order: Order):
    return role_holders([order.organization_id], ["secretary", "committee"])


@transaction.atomic
def order_rectification(*, organization: Organization, actor: User, finding: str,
                        requirement: str, due_date: dt.date) -> Order:
    if not may_order(actor, organization):
        raise PermissionDenied
    if due_date <= timezone.localdate():
        raise ValidationError({"due_date": _("The deadline must be in the future.")})
    if len(finding.strip()) < 5:
        raise ValidationError({"finding": _("Describe the finding.")})
    order = Order(organization=organization, finding=finding.strip(),
                  requirement=requirement.strip(), due_date=due_date, ordered_by=actor)
    order._history_user = actor  # type: ignore[attr-defined]
    order.save()
    notify(_officers(order), "rectification.ordered", target_id=order.pk)
    return order


def _lock(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related(
        "organization").get(pk=order_id)


@transaction.atomic
def respond(*, order_id: int, actor: User, response: str) -> Order:
    order = _lock(order_id)
    if not has_org_perm(actor, "publish", order.organization):
        raise PermissionDenied
    if order.state not in (State.ORDERED, State.SENT_BACK):
        raise TransitionError(_("This order is not waiting for a response."))
    if len(response.strip()) < 5:
        raise TransitionError(_("Describe what was done."))
    order.state, order.response = State.RESPONDED, response.strip()
    order.responded_by, order.responded_at = actor, timezone.now()
    order._history_user = actor  # type: ignore[attr-defined]
    order.save(update_fields=["state", "response", "responded_by", "responded_at"])
    notify([order.ordered_by], "rectification.responded", target_id=order.pk)
    return order


@transaction.atomic
def verify(*, order_id: int, actor: User, accept: bool, comment: str = "") -> Order:
    """Close the order, or send it back with the reason."""
    order = _lock(order_id)
    if not may_order(actor, order.organization):
        raise PermissionDenied
    if order.state != State.RESPONDED:
        raise TransitionError(_("Only a responded order can be verified."))
    if not accept and not comment.strip():
        raise TransitionError(_("Say what is still missing when sending it back."))
    order.verification, order.verified_by = comment.strip(), actor
    if accept:
        order.state, order.closed_at = State.CLOSED, timezone.now()
    else:
        order.state = State.SENT_BACK
    order._history_user = actor  # type: ignore[attr-defined]
    order.save(update_fields=["state", "verification", "verified_by", "closed_at"])
    notify(_officers(order), "rectification.verified", target_id=order.pk)
    return order


def pending_orders():
    return Order.objects.filter(state__in=[State.ORDERED, State.SENT_BACK],
                                organization__is_active=True)


deadlines.register(deadlines.DeadlineSource(
    name="rectification",
    pending=pending_orders,
    lock=lambda pk: pending_orders().select_for_update(of=("self",)).select_related(
        "organization").filter(pk=pk).first(),
    organization=lambda order: order.organization,
    owners=lambda order: role_holders([order.organization_id], ["secretary", "committee"]),
))
