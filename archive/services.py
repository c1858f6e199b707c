"""Archiving finished items into the hash chain, and verifying the chain.

``archive_item`` locks the item, freezes its snapshot, copies its attachments (checking
each against the digest taken at upload), numbers the record and links it to the chain,
all in one transaction under one lock, so the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.files.base import File
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import CATEGORY_CODES, Category, Frequency
from disclosure import services as item_services
from disclosure.models import DisclosureItem, State, archivable_q
from portal.models import User
from portal.system import system_user
from portal.workflow import TransitionError

from .models import ArchivedFile, ArchiveRecord

logger = logging.getLogger(__name__)
GENESIS = "0" * 64
CHAIN_LOCK_KEY = 727_111  # pg_advisory_xact_lock key of the archive chain


def canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def record_payload(record: ArchiveRecord) -> dict:
    """Return everything the record's hash covers (a filed report's record also names the
    report; item records hash as they always have)."""
    payload = {
        "sequence": record.sequence,
        "archive_number": record.archive_number,
        "item": record.item_id,
        "organization": record.organization_id,
        "year": record.year,
        "category": record.category_code,
        "number": record.number,
        "retention": record.retention,
        "reason": record.reason,
        "archived_at": record.archived_at.isoformat(),
        "archived_by": record.archived_by_id,
        "snapshot": record.snapshot,
        "prev_hash": record.prev_hash,
    }
    if record.report_id is not None:
        payload["report"] = record.report_id
    return payload


def compute_hash(record: ArchiveRecord) -> str:
    return hashlib.sha256(canonical(record_payload(record))).hexdigest()


def file_digest(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _when(value) -> str | None:
    return value.isoformat() if value else None


def snapshot_of(item: DisclosureItem) -> dict:
    """Freeze what the item was when archived: fields, decisions and file digests."""
    return {
        "id": item.pk,
        "title": item.title,
        "body": item.body,
        "organization": {"code": item.organization.code, "name": item.organization.name},
        "entry": {"code": item.entry.code, "title": item.entry.title,
                  "catalog": str(item.entry.catalog)},
        "category": item.category,
        "audience": {"party": item.party_audience, "public": item.public_audience,
                     "range_leadership": item.range_leadership,
                     "range_cadres": item.range_cadres,
                     "range_organizations": sorted(
                         item.range_organizations.values_list("code", flat=True))},
        "duration": item.duration,
        "display_days": item.display_days,
        "frequency": item.frequency,
        # The frozen record's format keeps its key: records archived before and after the
        # field was renamed read alike.
        "status": item.state,
        "event_date": _when(item.event_date),
        "period_start": _when(item.period_start),
        "period_end": _when(item.period_end),
        "display_until": _when(item.display_until),
        "created_at": _when(item.created_at),
        "submitted_at": _when(item.submitted_at),
        "approved_at": _when(item.approved_at),
        "internal_at": _when(item.internal_at),
        "public_at": _when(item.public_at),
        "closed_at": _when(item.closed_at),
        "reviews": [
            {"action": r.action, "actor": r.actor.username, "actor_name": r.actor.display_name,
             "comment": r.comment, "confidentiality_checked": r.confidentiality_checked,
             "at": r.created_at.isoformat()}
            for r in item.reviews.select_related("actor").order_by("created_at", "pk")
        ],
        "attachments": [
            {"name": a.original_name, "size": a.size, "sha256": a.sha256,
             "content_type": a.content_type}
            for a in item.attachments.order_by("uploaded_at", "pk")
        ],
    }


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _reason_for(item: DisclosureItem, actor: User | None) -> str:
    """Return why the item is archived, as it truly is."""
    reasons = {State.EXPIRED: ArchiveRecord.Reason.EXPIRED,
               State.WITHDRAWN: ArchiveRecord.Reason.WITHDRAWN,
               State.TERMINATED: ArchiveRecord.Reason.TERMINATED}
    if item.state in reasons:
        return reasons[State(item.state)]
    # Still on display: the scheduler archives a period's item once the next one is out;
    # a person files it by hand.
    return ArchiveRecord.Reason.CLOSED if actor is None else ArchiveRecord.Reason.FILED


def number_parts(item: DisclosureItem) -> tuple[int, str]:
    """Return the year and category code of the item's archive number (档号
    ``{org code}-{year}-{category}-{seq}``)."""
    year = timezone.localtime(item.internal_at or timezone.now()).year
    return year, CATEGORY_CODES[Category(item.category)]


def archive_item(*, item_id: int, actor: User | None = None) -> ArchiveRecord:
    """Archive a finished item; ``actor`` None is the scheduler. Files copied for a record
    that did not commit are removed again."""
    written: list[str] = []
    try:
        with transaction.atomic():
            return _archive(item_id, actor, written)
    except BaseException:
        for name in written:
            _remove(name)
        raise


def _archive(item_id: int, actor: User | None, written: list[str]) -> ArchiveRecord:
    item = item_services.item_archive_begin(item_id=item_id, actor=actor)
    author = actor or system_user()
    snapshot = snapshot_of(item)
    _lock_chain()
    last = ArchiveRecord.objects.order_by("-sequence").values("sequence", "record_hash").first()
    year, category = number_parts(item)
    number = (ArchiveRecord.objects.filter(organization=item.organization, year=year,
                                           category_code=category)
              .aggregate(m=Max("number"))["m"] or 0) + 1
    record = ArchiveRecord(
        sequence=(last["sequence"] + 1) if last else 1,
        item=item, organization=item.organization, year=year, category_code=category,
        number=number,
        archive_number=f"{item.organization.code}-{year}-{category}-{number:04d}",
        retention=item.entry.retention, reason=_reason_for(item, actor), snapshot=snapshot,
        archived_at=timezone.now().replace(microsecond=0), archived_by=author,
        prev_hash=last["record_hash"] if last else GENESIS,
    )
    record.record_hash = compute_hash(record)
    record.save()
    _copy_files(record, item, written)
    item_services.item_archive(item=item, actor=actor, archive_number=record.archive_number)
    return record


def _copy_files(record: ArchiveRecord, item: DisclosureItem, written: list[str]) -> None:
    for position, attachment in enumerate(item.attachments.order_by("uploaded_at", "pk"), 1):
        with attachment.file.open("rb") as handle:
            if file_digest(handle) != attachment.sha256:
                raise TransitionError(
                    _("The file %(name)s changed after it was uploaded; it cannot be "
                      "archived.") % {"name": attachment.original_name})
            handle.seek(0)
            copy = ArchivedFile(record=record, position=position,
                                name=attachment.original_name, extension=attachment.extension,
                                content_type=attachment.content_type, size=attachment.size,
                                sha256=attachment.sha256)
            copy.file.save("copy", File(handle), save=False)
            written.append(copy.file.name or "")
            _make_read_only(copy.file.path)
            copy.save()


def _make_read_only(path: str) -> None:
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)


def _remove(name: str) -> None:
    from django.core.files.storage import default_storage

    try:
        path = default_storage.path(name)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        default_storage.delete(name)
    except (FileNotFoundError, NotImplementedError):
        pass


def archive_due_items(*, batch: int = 200) -> int:
    """Archive what the scheduler closes: expired and withdrawn items, and periodic items
    whose organization has since published the next period's item. Returns how many. A 公示
    still on display, or one whose objections await the organization's conclusion, waits
    (the item's table refuses it too; leaving it out keeps it from filling every batch)."""
    finished = DisclosureItem.objects.filter(archivable_q(),
                                             state__in=[State.EXPIRED, State.WITHDRAWN])
    newer = DisclosureItem.objects.filter(
        entry=OuterRef("entry"), organization=OuterRef("organization"),
        period_start__gt=OuterRef("period_start"),
        state__in=[State.INTERNAL, State.PUBLIC, State.ARCHIVED])
    superseded = DisclosureItem.objects.filter(
        archivable_q(), frequency=Frequency.PERIODIC, state__in=[State.INTERNAL, State.PUBLIC],
        period_start__isnull=False).filter(Exists(newer))
    done = 0
    for queryset in (finished, superseded):
        for item_id in list(queryset.order_by("pk").values_list("pk", flat=True)[:batch]):
            try:
                archive_item(item_id=item_id)
                done += 1
            except TransitionError as error:  # changed meanwhile, or a file was altered
                logger.warning("item %s not archived: %s", item_id, error)
    return done


@dataclass(frozen=True)
class Problem:
    sequence: int
    archive_number: str
    message: str

    def __str__(self) -> str:
        return f"#{self.sequence} {self.archive_number}: {self.message}"


RECORD_FIELDS = ("pk", "sequence", "archive_number", "item_id", "report_id", "organization_id",
                 "year", "category_code", "number", "retention", "reason", "archived_at",
                 "archived_by_id", "snapshot", "prev_hash", "record_hash")


def verify_chain(*, check_files: bool = True, chunk: int = 2000, first: int = 1,
                 last: int | None = None) -> Iterator[Problem | int]:
    """Walk the chain in order; yield each problem found, and the count checked so far
    every ``chunk`` records (for progress). A record whose own hash or link is wrong is
    reported; the walk goes on from its stored hash.

    Records are read as plain values in pages of ``chunk`` (by sequence), with their files
    in one query per page: a million records are a hashing job, not a million model objects.
    ``first`` and ``last`` walk one stretch of the chain (the stretches of a parallel check),
    starting from the stored hash of the record before it, as the whole walk would.
    """
    expected_sequence, prev_hash, count, after = 1, GENESIS, 0, first - 1
    before = (ArchiveRecord.objects.filter(sequence__lt=first).order_by("-sequence")
              .values("sequence", "record_hash").first())
    if before is not None:
        expected_sequence, prev_hash = before["sequence"] + 1, before["record_hash"]
    records = ArchiveRecord.objects.order_by("sequence")
    if last is not None:
        records = records.filter(sequence__lte=last)
    while True:
        page = [SimpleNamespace(**dict(zip(RECORD_FIELDS, row, strict=True)))
                for row in records.filter(sequence__gt=after)
                .values_list(*RECORD_FIELDS)[:chunk]]
        if not page:
            return
        files: dict[int, dict[int, ArchivedFile]] = defaultdict(dict)
        if check_files:
            for copy in ArchivedFile.objects.filter(record_id__in=[r.pk for r in page]):
                files[copy.record_id][copy.position] = copy
        for record in page:
            if record.sequence != expected_sequence:
                yield Problem(record.sequence, record.archive_number,
                              _("record %(n)s is missing or out of order") % {
                                  "n": expected_sequence})
            if record.prev_hash != prev_hash:
                yield Problem(record.sequence, record.archive_number,
                              _("does not link to the record before it (deleted or reordered)"))
            if compute_hash(record) != record.record_hash:  # type: ignore[arg-type]
                yield Problem(record.sequence, record.archive_number,
                              _("its content was changed after archiving"))
            if check_files:
                yield from _check_files(record, files[record.pk])
            expected_sequence, prev_hash = record.sequence + 1, record.record_hash
            count += 1
            if count % chunk == 0:
                yield count
        after = page[-1].sequence


def _check_files(record, files: dict[int, ArchivedFile]) -> Iterator[Problem]:
    for position, meta in enumerate(record.snapshot.get("attachments", []), 1):
        copy = files.get(position)
        if copy is None or copy.sha256 != meta["sha256"]:
            yield Problem(record.sequence, record.archive_number,
                          _("file %(name)s is missing from the archive") % {"name": meta["name"]})
            continue
        try:
            with copy.file.open("rb") as handle:
                actual = file_digest(handle)
        except FileNotFoundError:
            yield Problem(record.sequence, record.archive_number,
                          _("file %(name)s is missing on disk") % {"name": meta["name"]})
            continue
        if actual != meta["sha256"]:
            yield Problem(record.sequence, record.archive_number,
                          _("file %(name)s was changed") % {"name": meta["name"]})
