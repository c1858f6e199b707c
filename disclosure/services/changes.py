"""变更、撤销、终止: changes, withdrawals and terminations of published items, approved by
the organization that set the catalog. The approved change is applied through the item's
own workflow."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal import workflow
from portal.models import User
from portal.notifications import notify
from portal.roles import role_holders
from portal.workflow import TransitionError

from ..models import ChangeRequest, DisclosureItem
from . import items

Kind = ChangeRequest.Kind


def approvers_org_id(item: DisclosureItem) -> int:
    """The catalog-setting organization: the issuer of the item's catalog."""
    return item.entry.catalog.issuer_id


@transaction.atomic
def change_submit(*, item_id: int, actor: User, kind: str, explanation: str,
                  new_title: str = "", new_body: str = "") -> ChangeRequest:
    """Ask the catalog-setting organization to change or withdraw a published item."""
    item = workflow.begin(DisclosureItem, item_id, "request_change", actor)
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose what to do.")})
    if len(explanation.strip()) < 5:
        raise ValidationError({"explanation": _("Write the explanation that will be "
                                                "published.")})
    if kind == Kind.CHANGE and not (new_title.strip() and new_body.strip()):
        raise ValidationError({"new_body": _("A change needs the new title and body.")})
    try:
        with transaction.atomic():
            change = workflow.create(ChangeRequest(
                item=item, kind=kind, explanation=explanation.strip(),
                old_title=item.title, old_body=item.body,
                new_title=new_title.strip(), new_body=new_body, requested_by=actor),
                actor, action="submit")
    except IntegrityError as error:
        raise TransitionError(_("A request for this item is already awaiting approval.")) \
            from error
    notify(role_holders([approvers_org_id(item)], ["reviewer"]), "change.requested",
           target_id=change.pk)
    return change


@transaction.atomic
def change_decide(*, request_id: int, actor: User, approve: bool, comment: str = "",
                  confidentiality_checked: bool = False) -> ChangeRequest:
    """Approve (and apply to the item) or reject a change request.

    Approving publishes text to the item's readers, the public included for a public item:
    the new version, or the explanation of a withdrawal or termination. The approver gives
    it the second look the first approval had, attesting the confidentiality check (保密审查),
    and the item's trail records the attestation."""
    # Lock the item before the request, in the order change_submit takes them.
    workflow.lock(DisclosureItem, ChangeRequest.objects.values_list(
        "item_id", flat=True).get(pk=request_id))

    def attested(change: ChangeRequest) -> dict:
        if not confidentiality_checked:
            raise TransitionError(_("Approval requires attesting that the confidentiality "
                                    "check was done."))
        return {}

    change = workflow.decide(ChangeRequest, request_id, approve=approve, actor=actor,
                             comment=comment, on_approval=attested,
                             reason_required=_("Say why the request is rejected."))
    if approve:
        _apply(change, actor)
    notify(role_holders([change.item.organization_id], ["secretary", "committee"]),
           "change.decided", target_id=change.pk)
    return change


@transaction.atomic
def change_withdraw(*, request_id: int, actor: User, comment: str = "") -> ChangeRequest:
    """Withdraw a request still awaiting approval, by the one who made it. The request stays
    with its history, marked withdrawn; it leaves the approvers' to-do lists at once and the
    item may be the subject of a new request."""
    comment = comment.strip()[:500]
    return workflow.transition(ChangeRequest, request_id, "withdraw", actor=actor,
                               comment=comment, changes={"comment": comment})


def _apply(change: ChangeRequest, actor: User) -> None:
    # change_decide has refused an approval without the attestation.
    item_id, explanation = change.item_id, change.explanation
    if change.kind == Kind.CHANGE:
        items.item_change(item_id=item_id, actor=actor, title=change.new_title,
                          body=change.new_body, explanation=explanation,
                          confidentiality_checked=True)
    elif change.kind == Kind.TERMINATE:
        items.item_terminate(item_id=item_id, actor=actor, explanation=explanation,
                             confidentiality_checked=True)
    else:
        items.item_withdraw(item_id=item_id, actor=actor, explanation=explanation,
                            confidentiality_checked=True)

__all__ = ["change_decide", "change_submit", "change_withdraw"]
