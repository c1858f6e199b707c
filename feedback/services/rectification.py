"""限期整改: order, respond, verify (close or send back), with deadline reminders."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import deadlines, workflow
from portal.models import Organization, User
from portal.notifications import notify
from portal.roles import role_holders

from ..models import RectificationOrder
from ..permissions import may_order

Order = RectificationOrder
State = Order.State


def _officers(order: Order):
    return role_holders([order.organization_id], ["secretary", "committee"])


@transaction.atomic
def rectification_order(*, organization: Organization, actor: User, finding: str,
                        requirement: str, due_date: dt.date) -> Order:
    """Order the organization to fix a finding by a deadline."""
    if not may_order(actor, organization):
        raise PermissionDenied
    if due_date <= timezone.localdate():
        raise ValidationError({"due_date": _("The deadline must be in the future.")})
    if len(finding.strip()) < 5:
        raise ValidationError({"finding": _("Describe the finding.")})
    order = workflow.create(Order(organization=organization, finding=finding.strip(),
                                  requirement=requirement.strip(), due_date=due_date,
                                  ordered_by=actor), actor, action="order")
    notify(_officers(order), "rectification.ordered", target_id=order.pk)
    return order


@transaction.atomic
def rectification_respond(*, order_id: int, actor: User, response: str) -> Order:
    """Report what was done; the orderer verifies it."""
    response = response.strip()
    order = workflow.transition(
        Order, order_id, "respond", actor=actor, comment=response,
        changes={"response": response, "responded_by": actor},
        validate=workflow.required(response if len(response) >= 5 else "",
                                _("Describe what was done.")))
    notify([order.ordered_by], "rectification.responded", target_id=order.pk)
    return order


@transaction.atomic
def rectification_verify(*, order_id: int, actor: User, accept: bool,
                         comment: str = "") -> Order:
    """Close the order, or send it back with the reason."""
    comment = comment.strip()
    order = workflow.transition(
        Order, order_id, "close" if accept else "send_back", actor=actor, comment=comment,
        changes={"verification": comment, "verified_by": actor},
        validate=None if accept else workflow.required(
            comment, _("Say what is still missing when sending it back.")))
    notify(_officers(order), "rectification.verified", target_id=order.pk)
    return order


def pending_orders():
    return Order.objects.filter(state__in=[State.ORDERED, State.SENT_BACK],
                                organization__is_active=True)


deadlines.register(deadlines.DeadlineSource(name="rectification", pending=pending_orders))

__all__ = ["rectification_order", "rectification_respond", "rectification_verify"]
