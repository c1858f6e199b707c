"""The archive: a frozen, hash-chained record of every finished item.

Each ``ArchiveRecord`` holds a snapshot of the item (fields, reviews, attachment digests),
read-only copies of its attachments, an archive number unique per organization, year and
category, and ``record_hash`` = SHA-256 over its own content and the previous record's hash.
Changing a field, a file, or the order or number of records breaks the chain, and
``verify_archive`` says where.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Retention
from disclosure.models import DisclosureItem
from portal import fields


class ArchiveRecord(models.Model):
    class Reason(models.TextChoices):
        EXPIRED = "expired", _("Display period ended")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        TERMINATED = "terminated", _("Terminated")
        CLOSED = "closed", _("Superseded by the next period's disclosure")
        FILED = "filed", _("Filed by the organization")

    sequence = models.PositiveBigIntegerField(_("chain position"), unique=True)
    item = models.OneToOneField(
        DisclosureItem, verbose_name=_("item"), on_delete=models.PROTECT,
        related_name="archive_record",
    )
    organization = fields.organization("archive_records")
    year = models.PositiveSmallIntegerField(_("year"))
    category_code = models.CharField(_("category code"), max_length=4)
    number = models.PositiveIntegerField(_("serial number"))
    archive_number = models.CharField(_("archive number"), max_length=64, unique=True)
    retention = models.CharField(_("retention"), max_length=10, choices=Retention.choices)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    snapshot = models.JSONField(_("snapshot"))
    archived_at = fields.moment(_("archived"), now=True)
    archived_by = fields.person(_("archived by"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    record_hash = models.CharField(_("record hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("archive record")
        verbose_name_plural = _("archive records")
        ordering = ["-year", "organization__path", "category_code", "number"]
        indexes = [models.Index(fields=["organization", "year"], name="archive_register")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "category_code", "number"],
                                    name="one_number_per_org_year_category"),
        ]

    def __str__(self) -> str:
        return self.archive_number


def archived_file_path(instance: ArchivedFile, filename: str) -> str:
    record = instance.record
    return (f"archive/{record.organization.code}/{record.year}/{record.archive_number}/"
            f"{instance.position:02d}-{instance.sha256[:16]}{instance.extension}")


class ArchivedFile(models.Model):
    """A read-only copy of one attachment, kept with its digest."""

    record = models.ForeignKey(ArchiveRecord, on_delete=models.PROTECT, related_name="files")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(_("extension"), max_length=10)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256 digest"), max_length=64)
    file = models.FileField(_("file"), upload_to=archived_file_path, max_length=255)

    class Meta:
        ordering = ["record", "position"]
        constraints = [
            models.UniqueConstraint(fields=["record", "position"], name="archived_file_position"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def download_name(self) -> str:
        return self.name
