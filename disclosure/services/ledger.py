"""The offline ledger (公开台账): recording that an item or an obligation was posted on a
公开栏, read at a meeting or issued as a document, with checked photos and PDFs as evidence.

Only the organization's secretaries and committee members record. A record is never
deleted: a posting is taken down by recording its end date, and a mistaken record is voided
with the reason (its evidence stays with it). A refused upload, or a record that does not
commit, leaves no file behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from catalog.models import Carrier
from portal import workflow
from portal.models import Organization, User
from portal.roles import acts_for

from ..models import (
    OFFLINE_CARRIERS,
    DisclosureItem,
    LedgerEvidence,
    LedgerRecord,
    MeetingKind,
    Obligation,
    State,
)
from ..uploads import CheckedUpload, check_evidence

MAX_EVIDENCE_FILES = 10
# An item is disclosed offline once it has been approved: before that it may still change.
UNRECORDABLE_ITEM_STATES = (State.DRAFT, State.SUBMITTED, State.RETURNED)

__all__ = ["ledger_add_evidence", "ledger_record", "ledger_take_down", "ledger_void"]


def _not_future(day: dt.date | None, field: str, today: dt.date) -> dict:
    if day is not None and day > today:
        shown = formats.date_format(today, "DATE_FORMAT")
        return {field: _("This records something already done: the date cannot be after "
                         "today (%(today)s).") % {"today": shown}}
    return {}


def _check_subject(organization: Organization, item: DisclosureItem | None,
                   obligation: Obligation | None) -> None:
    if item is None and obligation is None:
        raise ValidationError(_("Say which item or obligation was disclosed."))
    if item is not None and item.organization_id != organization.pk:
        raise ValidationError(_("This item is not one of %(org)s's.") % {"org": organization})
    if obligation is not None and obligation.organization_id != organization.pk:
        raise ValidationError(_("This obligation is not one of %(org)s's.")
                              % {"org": organization})
    if (item is not None and obligation is not None
            and item.pk not in (obligation.fulfilled_by_id, obligation.draft_id)):
        raise ValidationError(_("The item does not belong to this obligation."))
    if item is not None and item.state in UNRECORDABLE_ITEM_STATES:
        raise ValidationError(_("Only an approved or published item is disclosed offline: "
                                "this one is still %(state)s.")
                              % {"state": item.get_state_display()})


def _check_carrier(carrier: str, entry) -> None:
    labels = dict(Carrier.choices)
    if carrier not in OFFLINE_CARRIERS:
        raise ValidationError({"carrier": _("Choose a notice board, a meeting or a "
                                            "document.")})
    listed = [c for c in entry.carriers if c in OFFLINE_CARRIERS]
    if listed and carrier not in listed:
        raise ValidationError({"carrier": _(
            "The catalog entry discloses this matter by %(listed)s, not by %(carrier)s.")
            % {"listed": "、".join(str(labels[c]) for c in listed),
               "carrier": labels[carrier]}})


def _details(carrier: str, data: dict, today: dt.date) -> dict:
    """Return the fields of the act for ``carrier`` (the others are cleared), or raise."""
    errors: dict = {}
    date = data.get("date")
    if date is None:
        errors["date"] = _("Give the date.")
    errors.update(_not_future(date, "date", today))
    fields = {"date": date, "board": "", "until": None, "meeting_kind": "",
              "meeting_name": "", "attendance": None, "minutes": "", "document_number": ""}
    if carrier == Carrier.NOTICE_BOARD:
        fields["board"] = (data.get("board") or "").strip()
        fields["until"] = until = data.get("until")
        if not fields["board"]:
            errors["board"] = _("Say which notice board (where it stands).")
        errors.update(_not_future(until, "until", today))
        if until is not None and date is not None and until < date:
            errors["until"] = _("A posting cannot come down before it went up.")
    elif carrier == Carrier.MEETING:
        fields["meeting_kind"] = kind = data.get("meeting_kind") or ""
        fields["meeting_name"] = (data.get("meeting_name") or "").strip()
        fields["attendance"] = attendance = data.get("attendance")
        fields["minutes"] = (data.get("minutes") or "").strip()
        if kind not in MeetingKind.values:
            errors["meeting_kind"] = _("Say which kind of meeting it was.")
        if not attendance or attendance < 1:
            errors["attendance"] = _("Give the number of people who attended.")
    elif carrier == Carrier.DOCUMENT:
        fields["document_number"] = (data.get("document_number") or "").strip()
        if not fields["document_number"]:
            errors["document_number"] = _("Give the document's number.")
    if errors:
        raise ValidationError(errors)
    return fields


def _checked(uploads: Sequence) -> list[tuple[object, CheckedUpload]]:
    if len(uploads) > MAX_EVIDENCE_FILES:
        raise ValidationError({"evidence": _("At most %(n)s files at a time.")
                               % {"n": MAX_EVIDENCE_FILES}})
    checked = []
    for upload in uploads:
        try:
            checked.append((upload, check_evidence(upload)))
        except ValidationError as error:
            raise ValidationError({"evidence": [
                f"{upload.name}: {message}" for message in error.messages]}) from error
    return checked


def _store(record: LedgerRecord, checked, actor: User, written: list[str]) -> None:
    for upload, info in checked:
        evidence = LedgerEvidence(
            record=record, original_name=info.original_name, extension=info.extension,
            content_type=info.content_type, size=info.size, sha256=info.sha256,
            uploaded_by=actor)
        evidence.file.save("upload", upload, save=False)
        written.append(evidence.file.name or "")
        evidence._history_user = actor  # type: ignore[attr-defined]
        evidence.save()


def _with_files(store) -> object:
    """Run ``store(written)`` in a transaction; remove every file written if it fails."""
    written: list[str] = []
    try:
        with transaction.atomic():
            return store(written)
    except BaseException:
        storage = LedgerEvidence._meta.get_field("file").storage  # type: ignore[attr-defined]
        for name in written:
            storage.delete(name)
        raise


def ledger_record(*, organization: Organization, actor: User, carrier: str,
                  item: DisclosureItem | None = None, obligation: Obligation | None = None,
                  uploads: Sequence = (), note: str = "", **details) -> LedgerRecord:
    """Record one offline act of disclosure of ``organization``'s item or obligation, with
    its evidence files. ``details`` are the act's fields: ``date``, and ``board`` and
    ``until`` (notice board), ``meeting_kind``, ``meeting_name``, ``attendance`` and
    ``minutes`` (meeting), or ``document_number`` (document)."""
    if not acts_for(actor, organization):
        raise PermissionDenied
    if item is None and obligation is not None and obligation.fulfilled_by_id is not None:
        item = obligation.fulfilled_by
    _check_subject(organization, item, obligation)
    entry = item.entry if item is not None else obligation.entry  # type: ignore[union-attr]
    _check_carrier(carrier, entry)
    fields = _details(carrier, details, timezone.localdate())
    checked = _checked(uploads)

    def store(written: list[str]) -> LedgerRecord:
        record = workflow.create(LedgerRecord(
            organization=organization, item=item, obligation=obligation, carrier=carrier,
            note=note.strip(), recorded_by=actor, **fields), actor, action="record")
        _store(record, checked, actor, written)
        return record

    return _with_files(store)  # type: ignore[return-value]


@transaction.atomic
def ledger_take_down(*, record_id: int, actor: User, until: dt.date | None) -> LedgerRecord:
    """Record the day a posting came down from the notice board."""
    today = timezone.localdate()

    def validate(record: LedgerRecord) -> None:
        if until is None:
            raise ValidationError({"until": _("Give the day it was taken down.")})
        if errors := _not_future(until, "until", today):
            raise ValidationError(errors)
        if until < record.date:
            raise ValidationError({"until": _("A posting cannot come down before it went "
                                              "up.")})

    return workflow.transition(LedgerRecord, record_id, "take_down", actor=actor,
                               changes={"until": until}, validate=validate)


def ledger_add_evidence(*, record_id: int, actor: User, uploads: Sequence) -> LedgerRecord:
    """Add checked photos or PDFs to a standing record."""
    if not uploads:
        raise ValidationError({"evidence": _("Choose at least one file.")})
    checked = _checked(uploads)

    def store(written: list[str]) -> LedgerRecord:
        record = workflow.transition(LedgerRecord, record_id, "add_evidence", actor=actor,
                                     comment=", ".join(info.original_name
                                                       for _upload, info in checked))
        _store(record, checked, actor, written)
        return record

    return _with_files(store)  # type: ignore[return-value]


@transaction.atomic
def ledger_void(*, record_id: int, actor: User, reason: str) -> LedgerRecord:
    """Void a mistaken record with the reason; it and its evidence stay in the ledger,
    marked void, and no longer count."""
    reason = reason.strip()
    return workflow.transition(
        LedgerRecord, record_id, "void", actor=actor, comment=reason,
        changes={"void_reason": reason},
        validate=workflow.required(reason, _("Say why the record is void.")))
