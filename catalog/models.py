"""The disclosure catalog set by a higher-level committee: what each kind of organization
discloses, to whom, how often and by when."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal import fields
from portal.models import Organization


class Category(models.TextChoices):
    """The eight content categories of the catalog."""

    DECISIONS = "decisions", _("Resolutions, decisions and their implementation")
    IDEOLOGY = "ideology", _("Ideological development")
    ORGANIZATION = "organization", _("Organization and management")
    LEADERSHIP = "leadership", _("Leadership team development")
    CADRES = "cadres", _("Selection and management of cadres")
    SERVICE = "service", _("Contact with and service to members and the public")
    INTEGRITY = "integrity", _("Party conduct and integrity")
    OTHER = "other", _("Other matters")


# Two-letter codes used in archive numbers.
CATEGORY_CODES = {
    Category.DECISIONS: "JC", Category.IDEOLOGY: "SX", Category.ORGANIZATION: "ZZ",
    Category.LEADERSHIP: "BZ", Category.CADRES: "GB", Category.SERVICE: "FW",
    Category.INTEGRITY: "LZ", Category.OTHER: "QT",
}


class Scope(models.TextChoices):
    """How far an entry's items go: within the party only, or beyond it after the lead
    time. (Values distinct from the item states "internal" and "public".)"""

    INTERNAL_ONLY = "party_only", _("Intra-party only")
    INTERNAL_THEN_PUBLIC = "party_then_public", _("Intra-party, then public")


class TimeLimit(models.TextChoices):
    LONG_TERM = "long_term", _("Long-term")
    SHORT_TERM = "short_term", _("Short-term")
    PERIODIC = "periodic", _("Periodic")
    TIMELY = "timely", _("Timely")


class Period(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-yearly")
    YEAR = "year", _("Yearly")


class Retention(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    YEARS_30 = "30y", _("30 years")
    YEARS_10 = "10y", _("10 years")


class Carrier(models.TextChoices):
    NOTICE_BOARD = "notice_board", _("Notice board")
    MEETING = "meeting", _("Party meeting")
    DOCUMENT = "document", _("Document")
    WEBSITE = "website", _("Website")
    BULLETIN = "bulletin", _("Bulletin")


class Catalog(models.Model):
    """A versioned catalog issued by an organization for the organization types it binds."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    name = models.CharField(_("name"), max_length=150)
    issuer = models.ForeignKey(
        Organization, verbose_name=_("issued by"), on_delete=models.PROTECT,
        related_name="issued_catalogs",
    )
    version = models.CharField(_("version"), max_length=20, default="1")
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    binds_kinds = models.JSONField(
        _("binds organization types"), default=list, blank=True,
        help_text=_("Organization types this catalog applies to; all types when empty."),
    )
    state = fields.state(State, State.DRAFT)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("catalog")
        verbose_name_plural = _("catalogs")
        ordering = ["-effective_from", "name"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "name", "version"], name="catalog_version"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "active", "retired"]), name="catalog_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    def binds(self, organization: Organization) -> bool:
        """Return whether the catalog applies to ``organization``: below the issuer, of a
        bound type."""
        in_subtree = (organization.path.startswith(self.issuer.path)
                      and organization.pk != self.issuer_id)
        return in_subtree and (not self.binds_kinds or organization.kind in self.binds_kinds)


def catalog_in_force(day, prefix: str = "catalog__") -> Q:
    """Return the filter for catalogs that are active and in force on ``day``."""
    return Q(**{f"{prefix}state": Catalog.State.ACTIVE,
                f"{prefix}effective_from__lte": day}) & (
        Q(**{f"{prefix}effective_until__isnull": True})
        | Q(**{f"{prefix}effective_until__gte": day}))


class CatalogEntryQuerySet(models.QuerySet["CatalogEntry"]):
    def for_organization(self, organization: Organization) -> CatalogEntryQuerySet:
        """Return active entries of catalogs in force that bind ``organization``."""
        ancestor_ids = [int(p) for p in organization.path.strip("/").split("/") if p]
        entries = self.filter(
            catalog_in_force(timezone.localdate()), active=True,
            catalog__issuer_id__in=ancestor_ids,
        ).filter(Q(only_for__isnull=True) | Q(only_for=organization)).select_related(
            "catalog", "catalog__issuer")
        return entries.filter(
            pk__in=[e.pk for e in entries
                    if e.only_for_id == organization.pk or e.catalog.binds(organization)]
        )


class CatalogEntry(models.Model):
    """One line of the catalog: a kind of matter to disclose and the rules for it."""

    catalog = models.ForeignKey(
        Catalog, verbose_name=_("catalog"), on_delete=models.CASCADE, related_name="entries"
    )
    code = models.CharField(_("code"), max_length=20)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("title"), max_length=150)
    content = models.TextField(_("what to disclose"), blank=True)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    time_limit = models.CharField(_("time limit"), max_length=12, choices=TimeLimit.choices)
    period = models.CharField(
        _("period"), max_length=10, choices=Period.choices, blank=True,
        help_text=_("Required for periodic entries."),
    )
    due_days = models.PositiveSmallIntegerField(
        _("due within (days)"), default=10,
        help_text=_("Days after the period ends (periodic) or after the event (timely)."),
    )
    display_days = models.PositiveSmallIntegerField(
        _("display days"), null=True, blank=True,
        help_text=_("How long a short-term item stays on display."),
    )
    lead_days = models.PositiveSmallIntegerField(
        _("intra-party lead time (days)"), default=3,
        help_text=_("Minimum days between intra-party and public release."),
    )
    carriers = models.JSONField(_("carriers"), default=list, blank=True)
    body_template = models.TextField(
        _("body template"), blank=True,
        help_text=_("Markdown a new item of this entry starts from."),
    )
    only_for = models.ForeignKey(
        Organization, verbose_name=_("only for (out-of-catalog matter)"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="own_entries",
        help_text=_("Set for a matter outside the catalog, approved for one organization."),
    )
    retention = models.CharField(
        _("archive retention"), max_length=10, choices=Retention.choices,
        default=Retention.YEARS_10,
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    objects = CatalogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog entry")
        verbose_name_plural = _("catalog entries")
        ordering = ["catalog", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "code"], name="entry_code_per_catalog"),
            models.CheckConstraint(
                condition=~Q(time_limit="periodic") | ~Q(period=""),
                name="periodic_entry_has_period",
            ),
            models.CheckConstraint(
                condition=~Q(time_limit="short_term")
                | Q(display_days__isnull=False, display_days__gt=0),
                name="short_term_entry_has_display_days",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["party_only", "party_then_public"]), name="entry_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def carrier_labels(self) -> list[str]:
        labels = dict(Carrier.choices)
        return [str(labels.get(c, c)) for c in self.carriers]
