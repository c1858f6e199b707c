"""Changes and withdrawals of published items, approved by the catalog-setting organization."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.notifications import notify
from portal.roles import has_org_perm, role_holders

from .errors import TransitionError
from .models import ChangeRequest, DisclosureItem, Review, Status
from .visibility import can_manage

Kind = ChangeRequest.Kind


def approvers_org_id(item: DisclosureItem) -> int:
    """The catalog-setting organization: the issuer of the item's catalog."""
    return item.entry.catalog.issuer_id


def can_approve(user, item: DisclosureItem) -> bool:
    return has_org_perm(user, "review", approvers_org_id(item))


@transaction.atomic
def request_change(*, item_id: int, actor: User, kind: str, explanation: str,
                   new_title: str = "", new_body: str = "") -> ChangeRequest:
    item = DisclosureItem.objects.select_for_update().select_related(
        "entry__catalog").get(pk=item_id)
    if not can_manage(actor, item):
        raise PermissionDenied
    if not item.allows("change"):
        raise TransitionError(_("Only a published item can be changed or withdrawn."))
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose what to do.")})
    if len(explanation.strip()) < 5:
        raise ValidationError({"explanation": _("Write the explanation that will be "
                                                "published.")})
    if kind == Kind.CHANGE and not (new_title.strip() and new_body.strip()):
        raise ValidationError({"new_body": _("A change needs the new title and body.")})
    try:
        with transaction.atomic():
            change = ChangeRequest.objects.create(
                item=item, kind=kind, explanation=explanation.strip(),
                new_title=new_title.strip(), new_body=new_body, requested_by=actor)
    except IntegrityError as error:
        raise TransitionError(_("A request for this item is already awaiting approval.")) \
            from error
    notify(role_holders([approvers_org_id(item)], ["reviewer"]), "change.requested",
           target_id=change.pk)
    return change


@transaction.atomic
def decide_change(*, request_id: int, actor: User, approve: bool,
                  comment: str = "") -> ChangeRequest:
    change = ChangeRequest.objects.select_for_update(of=("self",)).select_related(
        "item__entry__catalog").get(pk=request_id)
    item = DisclosureItem.objects.select_for_update().select_related(
        "entry__catalog").get(pk=change.item_id)
    if not can_approve(actor, item):
        raise PermissionDenied
    if change.state != ChangeRequest.State.SUBMITTED:
        raise TransitionError(_("This request has been decided already."))
    if not approve and not comment.strip():
        raise TransitionError(_("Say why the request is rejected."))
    change.state = ChangeRequest.State.APPROVED if approve else ChangeRequest.State.REJECTED
    change.decided_by, change.decided_at, change.comment = actor, timezone.now(), comment
    change._history_user = actor  # type: ignore[attr-defined]
    change.save(update_fields=["state", "decided_by", "decided_at", "comment"])
    if approve:
        _apply(change, item, actor)
    notify(role_holders([item.organization_id], ["secretary", "committee"]),
           "change.decided", target_id=change.pk)
    return change


def _apply(change: ChangeRequest, item: DisclosureItem, actor: User) -> None:
    if not item.allows("change"):
        raise TransitionError(_("The item is no longer published."))
    item._history_user = actor  # type: ignore[attr-defined]
    if change.kind == Kind.CHANGE:
        item.title, item.body = change.new_title, change.new_body
        item._change_reason = change.explanation  # type: ignore[attr-defined]
        item.save(update_fields=["title", "body", "updated_at"])
        action = Review.Action.CHANGE
    else:
        item.status, item.closed_at = Status.WITHDRAWN, timezone.now()
        item._change_reason = change.explanation  # type: ignore[attr-defined]
        item.save(update_fields=["status", "closed_at", "updated_at"])
        action = Review.Action.WITHDRAW
    Review.objects.create(item=item, actor=actor, action=action, comment=change.explanation)
