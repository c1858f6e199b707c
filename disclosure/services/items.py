"""The one write path for disclosure items: one function per transition.

Each transition goes through :func:`portal.workflow.transition`: it locks the item, checks
the actor's right and the source state against the item's table (``DisclosureItem.workflow``),
writes the new state with ``update_fields``, records a ``Review`` row and a history row,
all in one transaction. Anything refused raises ``PermissionDenied`` or ``TransitionError``
and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import CatalogEntry, Frequency, PartyAudience, PublicAudience
from portal import workflow
from portal.calendar import add_working_days
from portal.dates import datetime_text
from portal.models import Organization, User
from portal.notifications import notify
from portal.roles import acts_for, has_org_perm, reviewers_of, role_holders
from portal.workflow import TransitionError

from .. import obligations
from ..models import Attachment, DisclosureItem, Review, State
from ..uploads import check_upload
from .publicity import publicity_end

logger = logging.getLogger(__name__)
Action = Review.Action
TITLE_MAX = DisclosureItem._meta.get_field("title").max_length


def _begin(item_id: int, action: str, actor: User | None) -> DisclosureItem:
    return workflow.begin(DisclosureItem, item_id, action, actor)


def _step(item_id: int, action: str, actor: User | None, **kwargs) -> DisclosureItem:
    return workflow.transition(DisclosureItem, item_id, action, actor=actor, **kwargs)


def _officers(item: DisclosureItem):
    return role_holders([item.organization_id], ["secretary", "committee"])


def validate_item_fields(*, entry: CatalogEntry, event_date=None, period_start=None,
                         period_end=None, title: str | None = None) -> None:
    """Raise ``ValidationError`` when the title (if given) is blank or too long, or the
    dates the entry's frequency needs are wrong: a period for a periodic item, the event
    for a short-term timely one (a 公示 follows its event; a long-term matter such as the
    division of work may give the date it was decided, and then its obligation is
    tracked)."""
    errors: dict[str, str] = {}
    if title is not None:
        limit = DisclosureItem._meta.get_field("title").max_length or 0
        if not title.strip():
            errors["title"] = _("The title cannot be empty.")
        elif len(title.strip()) > limit:
            errors["title"] = _("The title can have at most %(limit)s characters (it has "
                                "%(length)s).") % {"limit": limit, "length": len(title.strip())}
    if entry.frequency == Frequency.TIMELY and entry.is_short_term and event_date is None:
        errors["event_date"] = _("A timely item needs the date of its event.")
    elif event_date is not None and event_date > timezone.localdate():
        errors["event_date"] = _("The event cannot lie in the future.")
    if entry.frequency == Frequency.PERIODIC:
        if period_start is None or period_end is None:
            errors["period_start"] = _("A periodic item needs the start and end of its period.")
        elif period_end < period_start:
            errors["period_end"] = _("The period cannot end before it starts.")
    if errors:
        raise ValidationError(errors)


def validate_audience(*, organization: Organization, party_audience: str,
                      range_leadership: bool = False, range_cadres: bool = False,
                      range_organizations=(), public_audience: str = PublicAudience.NONE,
                      previous_stage: DisclosureItem | None = None,
                      item: DisclosureItem | None = None,
                      for_applicant_alone: bool = False) -> None:
    """Raise ``ValidationError`` for an audience that names no one or a stage that is not
    an earlier disclosure of the same organization. Only an item answering an application
    for the applicant alone (``for_applicant_alone``, or an item an application waits for)
    names no one within the party, and it goes nowhere beyond it."""
    errors: dict[str, str] = {}
    if party_audience not in PartyAudience.values:
        errors["party_audience"] = _("Choose the intra-party audience.")
    elif party_audience == PartyAudience.RANGE and not (
            range_leadership or range_cadres or list(range_organizations)):
        if not (for_applicant_alone or (item is not None and item.requests.exists())):
            errors["party_audience"] = _("A named range must name someone: tick the "
                                         "leadership team members or the leading cadres, "
                                         "or choose organizations.")
        elif public_audience != PublicAudience.NONE:
            errors["public_audience"] = _("An item for the applicant alone is not disclosed "
                                          "beyond the party.")
    if public_audience not in PublicAudience.values:
        errors["public_audience"] = _("Choose the audience beyond the party.")
    if previous_stage is not None and (
            previous_stage.organization_id != organization.pk
            or (item is not None and previous_stage.pk == item.pk)
            or previous_stage.internal_at is None):
        errors["previous_stage"] = _("The previous stage must be an earlier published item "
                                     "of the same organization.")
    if errors:
        raise ValidationError(errors)


AUDIENCE_FIELDS = ("party_audience", "range_leadership", "range_cadres", "public_audience",
                   "previous_stage")


@transaction.atomic
def item_create(*, organization: Organization, entry: CatalogEntry, actor: User, title: str,
                body: str, event_date: dt.date | None = None,
                period_start: dt.date | None = None, period_end: dt.date | None = None,
                range_organizations=None, for_applicant_alone=False,
                **audience) -> DisclosureItem:
    """Create a draft of ``organization`` from a catalog entry that binds it; its audience
    and time rules start as the entry's unless given (``for_applicant_alone``: the answer
    to an application, see ``validate_audience``)."""
    if not acts_for(actor, organization):
        raise PermissionDenied
    if not CatalogEntry.objects.for_organization(organization).filter(pk=entry.pk).exists():
        raise TransitionError(_("This catalog entry does not apply to the organization."))
    if unknown := set(audience) - set(AUDIENCE_FIELDS):
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    validate_item_fields(entry=entry, event_date=event_date, period_start=period_start,
                         period_end=period_end, title=title)
    item = DisclosureItem(
        organization=organization, entry=entry, title=title.strip(), body=body,
        category=entry.category, event_date=event_date, period_start=period_start,
        period_end=period_end, created_by=actor,
    )
    item.rules_from(entry)
    for name, value in audience.items():
        setattr(item, name, value)
    validate_audience(organization=organization, range_organizations=range_organizations or (),
                      for_applicant_alone=for_applicant_alone,
                      **{name: getattr(item, name) for name in AUDIENCE_FIELDS})
    # A draft's review trail starts when it is submitted; its creation is in the history.
    workflow.create(item, actor, reason=_("Draft created"), event=False)
    if range_organizations:
        item.range_organizations.set(range_organizations)
    obligations.timely_obligation(item)
    return item


EDITABLE_FIELDS = ("title", "body", "event_date", "period_start", "period_end",
                   *AUDIENCE_FIELDS)
_DATE_FIELDS = ("event_date", "period_start", "period_end")


@transaction.atomic
def item_update(*, item_id: int, actor: User, range_organizations=None,
                **changes) -> DisclosureItem:
    """Change the text, dates and audience of a draft or returned item."""
    item = _begin(item_id, "edit", actor)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    merged = {name: changes.get(name, getattr(item, name)) for name in EDITABLE_FIELDS}
    validate_item_fields(entry=item.entry, title=merged["title"],
                         **{k: merged[k] for k in _DATE_FIELDS})
    ranged = (list(range_organizations) if range_organizations is not None
              else list(item.range_organizations.all()))
    validate_audience(organization=item.organization, range_organizations=ranged, item=item,
                      **{k: merged[k] for k in AUDIENCE_FIELDS})
    values = {name: value.strip() if name == "title" else value
              for name, value in changes.items()}
    workflow.save(item, actor, values, reason=_("Draft edited"))
    if range_organizations is not None:
        item.range_organizations.set(ranged)
    if set(_DATE_FIELDS) & set(changes):
        obligations.follow_dates(item)
    return item


@transaction.atomic
def item_discard(*, item_id: int, actor: User) -> None:
    """Delete a draft that was started by mistake, with the obligation its event created."""
    item = _begin(item_id, "discard", actor)
    from ..models import Obligation
    from .requests import request_drop_draft

    request_drop_draft(item=item, actor=actor)  # an application answered by it reopens

    Obligation.objects.filter(draft=item, entry__frequency=Frequency.TIMELY,
                              state=Obligation.State.OPEN).delete()
    names = [(a.file.storage, a.file.name) for a in item.attachments.all()]
    item._history_user = actor  # type: ignore[attr-defined]
    item._change_reason = _("Draft discarded")  # type: ignore[attr-defined]
    for attachment in item.attachments.all():
        attachment._history_user = actor  # type: ignore[attr-defined]
        attachment.delete()
    item.delete()
    def remove_files() -> None:
        for storage, name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(remove_files)


def _begin_editing(item_id: int, actor: User) -> DisclosureItem:
    try:
        return _begin(item_id, "edit", actor)
    except TransitionError as error:
        raise TransitionError(_("Attachments can only change while editing.")) from error


def attachment_add(*, item_id: int, actor: User, upload) -> Attachment:
    """Attach a checked file to a draft or returned item; a refused file leaves nothing."""
    checked = check_upload(upload)
    attachment: Attachment | None = None
    try:
        with transaction.atomic():
            item = _begin_editing(item_id, actor)
            attachment = Attachment(
                item=item, original_name=checked.original_name, extension=checked.extension,
                content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                uploaded_by=actor,
            )
            attachment.file.save("upload", upload, save=False)
            attachment._history_user = actor  # type: ignore[attr-defined]
            attachment.save()
    except BaseException:
        if attachment is not None and attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, attachment_id: int, actor: User) -> None:
    attachment = Attachment.objects.select_related("item").get(pk=attachment_id)
    _begin_editing(attachment.item_id, actor)
    name, storage = attachment.file.name or "", attachment.file.storage
    attachment._history_user = actor  # type: ignore[attr-defined]
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def item_submit(*, item_id: int, actor: User, comment: str = "") -> DisclosureItem:
    """Send a draft or returned item to its reviewers: the parent organization's, or at the
    top of the tree the organization's own (never the submitter)."""
    def validate(item: DisclosureItem) -> None:
        if not item.body.strip():
            raise TransitionError(_("Write the body before submitting."))

    item = _step(item_id, "submit", actor, comment=comment, validate=validate)
    notify(reviewers_of(item.organization).exclude(pk=actor.pk), "item.submitted",
           target_id=item.pk)
    return item


@transaction.atomic
def item_approve(*, item_id: int, actor: User, confidentiality_checked: bool,
                 comment: str = "") -> DisclosureItem:
    """Approve a submitted item; the reviewer attests the confidentiality check."""
    def validate(item: DisclosureItem) -> None:
        _refuse_own_item(item, actor)
        if not confidentiality_checked:
            raise TransitionError(
                _("Approval requires attesting that the confidentiality check was done.")
            )

    item = _step(item_id, "approve", actor, comment=comment, validate=validate,
                 event={"confidentiality_checked": True})
    notify(_officers(item), "item.approved", target_id=item.pk)
    return item


@transaction.atomic
def item_return(*, item_id: int, actor: User, comment: str) -> DisclosureItem:
    """Send a submitted item back to its organization with the reviewer's comment."""
    def validate(item: DisclosureItem) -> None:
        if not comment.strip():
            raise TransitionError(_("Say what needs to change when returning an item."))

    item = _step(item_id, "return", actor, comment=comment.strip(), validate=validate)
    notify(_officers(item), "item.returned", target_id=item.pk)
    return item


@transaction.atomic
def item_publish_internal(*, item_id: int, actor: User, comment: str = "") -> DisclosureItem:
    """Publish an approved item to the organization's members."""
    item = _begin(item_id, "publish_internal", actor)
    changes: dict = {"internal_at": timezone.now()}
    if item.goes_public and item.planned_public_at is not None:
        # Planned before internal release: the lead time now fixes the earliest date.
        earliest = changes["internal_at"] + timedelta(days=item.entry.lead_days)
        if item.planned_public_at < earliest:
            changes["planned_public_at"] = earliest
    if item.is_short_term and not item.goes_public:
        changes["display_until"] = display_end(item, timezone.localdate())
    _step(item_id, "publish_internal", actor, comment=comment, changes=changes, obj=item)
    obligations.fulfil(item)
    from ..visibility import party_readers
    from .requests import request_complete

    request_complete(item=item, actor=actor)  # the applications it was drafted to answer
    notify(party_readers(item).exclude(pk=actor.pk), "item.internal", target_id=item.pk)
    return item


def display_end(item: DisclosureItem, released: dt.date) -> dt.date:
    """Return the last day a short-term item shows to the audience it is released to on
    ``released``: its display period in working days, the release day counting as the first
    when it is a working day. An item that goes beyond the party counts from that release."""
    return add_working_days(released - timedelta(days=1), item.display_days or 1)


def _refuse_own_item(item: DisclosureItem, actor: User) -> None:
    """Keep review separate from proposal: nobody approves what they submitted or what
    their own organization publishes."""
    submitter = (item.reviews.filter(action=Action.SUBMIT).order_by("-created_at", "-pk")
                 .values_list("actor_id", flat=True).first())
    if submitter == actor.pk or has_org_perm(actor, "publish", item.organization_id):
        raise TransitionError(_("You cannot review an item you or your own organization "
                                "submitted; another reviewer must decide."))


def _lead_time_message(earliest) -> str:
    return (_("Public release can be no earlier than %(when)s (intra-party lead time).")
            % {"when": datetime_text(earliest)})


@transaction.atomic
def item_plan_public(*, item_id: int, actor: User, when: dt.datetime) -> DisclosureItem:
    """Set the date the scheduler releases the item to the public."""
    def validate(item: DisclosureItem) -> None:
        earliest = item.earliest_public_at()
        if earliest is not None and when < earliest:
            raise TransitionError(_lead_time_message(earliest))
        if when < timezone.now():
            raise TransitionError(_("The planned public release must be in the future."))

    return _step(item_id, "plan_public", actor, validate=validate,
                 changes={"planned_public_at": when},
                 comment=timezone.localtime(when).strftime("%Y-%m-%d %H:%M"))


@transaction.atomic
def item_cancel_plan(*, item_id: int, actor: User, comment: str = "") -> DisclosureItem:
    """Take back the planned public release: the scheduler will not release the item, which
    stays where it is (approved or within the party) and may be planned again. The trail
    keeps the date that was cancelled."""
    item = _begin(item_id, "cancel_plan", actor)
    assert item.planned_public_at is not None  # the step's condition
    cancelled = timezone.localtime(item.planned_public_at).strftime("%Y-%m-%d %H:%M")
    note = f"{cancelled}\n{comment.strip()}" if comment.strip() else cancelled
    return _step(item_id, "cancel_plan", actor, changes={"planned_public_at": None},
                 comment=note, obj=item)


@transaction.atomic
def item_release_public(*, item_id: int, actor: User | None = None,
                        comment: str = "") -> DisclosureItem:
    """Release an internal item to the public once its lead time has passed.

    ``actor`` None means the scheduler releasing a planned item.
    """
    def validate(item: DisclosureItem) -> None:
        if not item.can_go_public_now():
            raise TransitionError(_lead_time_message(item.earliest_public_at()))

    item = _begin(item_id, "release_public", actor)
    changes = {"display_until": display_end(item, timezone.localdate())} if (
        item.is_short_term) else {}
    return _step(item_id, "release_public", actor, comment=comment, validate=validate,
                 changes=changes, obj=item)


@transaction.atomic
def item_expire(*, item_id: int) -> DisclosureItem | None:
    """Close a short-term item whose display period has ended and record the end of its
    公示 (no objection, or the conclusion due); None if nothing to do."""
    item = workflow.lock(DisclosureItem, item_id)
    today = timezone.localdate()
    if not item.allows("expire") or item.display_until is None or item.display_until >= today:
        return None
    item = _step(item_id, "expire", None, obj=item)
    publicity_end(item)
    return item


@transaction.atomic
def item_change(*, item_id: int, actor: User, title: str, body: str,
                explanation: str, confidentiality_checked: bool) -> DisclosureItem:
    """Apply an approved change: the new title and body, with the published explanation.
    The new text reaches the item's readers (the public too, for a public item) as the
    first version did: only after the approver attested the confidentiality check."""
    _require_attestation(confidentiality_checked)
    return _step(item_id, "change", actor, changes={"title": title, "body": body},
                 comment=explanation, reason=explanation,
                 event={"confidentiality_checked": True})


@transaction.atomic
def item_withdraw(*, item_id: int, actor: User, explanation: str,
                  confidentiality_checked: bool) -> DisclosureItem:
    """Withdraw (撤销) a published item by an approved request: its content comes down; a
    notice with the explanation stays where it was published."""
    _require_attestation(confidentiality_checked)
    return _step(item_id, "withdraw", actor, comment=explanation, reason=explanation,
                 changes={"withdrawn_at": timezone.now()},
                 event={"confidentiality_checked": True})


@transaction.atomic
def item_terminate(*, item_id: int, actor: User, explanation: str,
                   confidentiality_checked: bool) -> DisclosureItem:
    """Terminate (终止) a published item by an approved request: the disclosure ends and stays
    readable by its audiences as terminated, with the explanation."""
    _require_attestation(confidentiality_checked)
    return _step(item_id, "terminate", actor, comment=explanation, reason=explanation,
                 event={"confidentiality_checked": True})


def _require_attestation(confidentiality_checked: bool) -> None:
    """Refuse to publish text (a new version, or the explanation of a withdrawal or
    termination) that no approver has attested the confidentiality check for."""
    if not confidentiality_checked:
        raise TransitionError(
            _("Approval requires attesting that the confidentiality check was done."))


def item_archive_begin(*, item_id: int, actor: User | None) -> DisclosureItem:
    """Lock an item for archiving and check that ``actor`` (None: the scheduler) may."""
    return _begin(item_id, "archive", actor)


def item_archive(*, item: DisclosureItem, actor: User | None,
                 archive_number: str) -> DisclosureItem:
    """Mark an item locked by :func:`item_archive_begin` as archived under its number."""
    return _step(item.pk, "archive", actor, comment=archive_number, obj=item)


def release_planned_items(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Release every internal item whose planned public date has come; return how many."""
    now = now or timezone.now()
    due = DisclosureItem.objects.filter(
        state=State.INTERNAL, planned_public_at__lte=now
    ).order_by("planned_public_at").values_list("pk", flat=True)[:batch]
    released = 0
    for item_id in list(due):
        try:
            item_release_public(item_id=item_id, comment=_("Released as planned"))
            released += 1
        except TransitionError as error:
            logger.info("item %s not released yet: %s", item_id, error)
    return released


def expire_short_term_items(*, batch: int = 200) -> int:
    """Expire short-term items past their display end; return how many."""
    today = timezone.localdate()
    due = DisclosureItem.objects.filter(
        state__in=[State.INTERNAL, State.PUBLIC], display_until__lt=today
    ).values_list("pk", flat=True)[:batch]
    return sum(1 for item_id in list(due) if item_expire(item_id=item_id) is not None)


__all__ = [
    "AUDIENCE_FIELDS", "EDITABLE_FIELDS", "attachment_add", "attachment_remove", "display_end",
    "expire_short_term_items", "item_approve", "item_archive", "item_archive_begin",
    "item_cancel_plan", "item_change", "item_create", "item_discard", "item_expire",
    "item_plan_public", "item_publish_internal", "item_release_public", "item_return",
    "item_submit", "item_terminate", "item_update", "item_withdraw", "release_planned_items",
    "validate_audience", "validate_item_fields",
]
