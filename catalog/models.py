"""The disclosure catalog set by a higher-level committee: what each kind of organization
discloses, to whom, how often and by when."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, models
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


class PartyAudience(models.TextChoices):
    """Who reads an item within the party (党内): the first audience of every item."""

    ORGANIZATION = "organization", _("Members of the organization")
    SUBTREE = "subtree", _("Members of the organization and of every organization below it")
    RANGE = "range", _("A named range of the party")


class PublicAudience(models.TextChoices):
    """Who reads an item beyond the party (党外), after the intra-party lead time."""

    NONE = "none", _("Nobody beyond the party")
    UNIT = "unit", _("The unit's own staff and residents")
    SOCIETY = "society", _("Society (everyone)")


class Duration(models.TextChoices):
    """How long an item stays on display: 长期 until replaced, or 短期 for a 公示 period."""

    LONG = "long", _("Long-term")
    SHORT = "short", _("Short-term")


class Frequency(models.TextChoices):
    """When an item is due: 定期 once per period, or 及时 after the matter happens."""

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


class DisclosureRules(models.Model):
    """Who an item reaches and for how long: set by a catalog entry as the default for its
    items, carried by each item (and by an out-of-catalog work plan)."""

    party_audience = models.CharField(
        _("intra-party audience"), max_length=12, choices=PartyAudience.choices,
        default=PartyAudience.ORGANIZATION)
    range_leadership = models.BooleanField(
        _("range: leadership team members"), default=False,
        help_text=_("With a named range: secretaries and committee members of the "
                    "organization and of the organizations below it."))
    range_cadres = models.BooleanField(
        _("range: party member leading cadres"), default=False,
        help_text=_("With a named range: leading cadres of the organization and of the "
                    "organizations below it."))
    public_audience = models.CharField(
        _("audience beyond the party"), max_length=10, choices=PublicAudience.choices,
        default=PublicAudience.NONE)
    duration = models.CharField(_("duration"), max_length=6, choices=Duration.choices,
                                default=Duration.LONG)
    display_days = models.PositiveSmallIntegerField(
        _("display period (working days)"), null=True, blank=True,
        help_text=_("Short-term only: working days the item stays on display (the 公示 "
                    "period), counted from its release to each audience."))
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.TIMELY)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(party_audience__in=PartyAudience.values),
                name="%(app_label)s_%(class)s_party_audience_valid"),
            models.CheckConstraint(
                condition=Q(public_audience__in=PublicAudience.values),
                name="%(app_label)s_%(class)s_public_audience_valid"),
            models.CheckConstraint(
                condition=Q(duration="long") | Q(display_days__isnull=False, display_days__gt=0),
                name="%(app_label)s_%(class)s_short_term_has_display_days"),
        ]

    @property
    def goes_public(self) -> bool:
        """Whether the item reaches beyond the party after the lead time."""
        return self.public_audience != PublicAudience.NONE

    @property
    def is_short_term(self) -> bool:
        return self.duration == Duration.SHORT

    @property
    def is_periodic(self) -> bool:
        return self.frequency == Frequency.PERIODIC

    def rules_from(self, other: DisclosureRules) -> None:
        """Copy the rules of ``other`` (an entry's defaults onto a new item)."""
        for name in RULE_FIELDS:
            setattr(self, name, getattr(other, name))

    def audience_label(self) -> str:
        """Return who the item reaches, in words: the intra-party range, then beyond."""
        if self.party_audience == PartyAudience.RANGE:
            parts = [str(label) for flag, label in (
                (self.range_leadership, _("leadership team members")),
                (self.range_cadres, _("party member leading cadres"))) if flag]
            parts += self.named_organizations()
            party = (str(_("Named range")) + f" ({'、'.join(parts)})" if parts
                     else str(_("The applicant only (on request)")))
        else:
            party = str(self.get_party_audience_display())  # type: ignore[attr-defined]
        if not self.goes_public:
            return party
        return f"{party} → {self.get_public_audience_display()}"  # type: ignore[attr-defined]

    def named_organizations(self) -> list[str]:
        """Return the names of the organizations a named range lists (none for an entry)."""
        return []

    def time_label(self) -> str:
        """Return the two time dimensions in the plan's words, e.g. 短期公开 · 及时公开."""
        duration = str(self.get_duration_display())  # type: ignore[attr-defined]
        if self.is_short_term and self.display_days:
            duration = str(_("%(duration)s (%(days)s working days)") % {
                "duration": duration, "days": self.display_days})
        return f"{duration} · {self.get_frequency_display()}"  # type: ignore[attr-defined]


RULE_FIELDS = ("party_audience", "range_leadership", "range_cadres", "public_audience",
               "duration", "display_days", "frequency")


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
    binds_issuer = models.BooleanField(
        _("binds its issuer"), default=False,
        help_text=_("The issuing organization discloses its own affairs under this catalog."))
    binds_below = models.BooleanField(
        _("binds organizations below its issuer"), default=True,
        help_text=_("Off for a catalog of the issuer's own affairs only."))
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
        """Return whether the catalog applies to ``organization``: the issuer itself when it
        binds its issuer; an organization below it of a bound type when it binds below."""
        if organization.pk == self.issuer_id:
            return self.binds_issuer
        return (self.binds_below and organization.path.startswith(self.issuer.path)
                and (not self.binds_kinds or organization.kind in self.binds_kinds))

    def bound_organizations(self) -> models.QuerySet[Organization]:
        """Return the active organizations the catalog applies to."""
        active = Organization.objects.filter(is_active=True)
        below = Q(pk__in=[])
        if self.binds_below:
            below = Q(path__startswith=self.issuer.path) & ~Q(pk=self.issuer_id)
            if self.binds_kinds:
                below &= Q(kind__in=self.binds_kinds)
        itself = Q(pk=self.issuer_id) if self.binds_issuer else Q(pk__in=[])
        return active.filter(below | itself)

    def clean(self) -> None:
        if self.state == self.State.ACTIVE and self.issuer_id is not None and (
                not self.bound_organizations().exists()):
            raise ValidationError(_(
                "This catalog binds no organization: no active organization of the chosen "
                "types is below its issuer, and it does not bind the issuer itself."))


def catalog_in_force(day, prefix: str = "catalog__") -> Q:
    """Return the filter for catalogs that are active and in force on ``day``."""
    return Q(**{f"{prefix}state": Catalog.State.ACTIVE,
                f"{prefix}effective_from__lte": day}) & (
        Q(**{f"{prefix}effective_until__isnull": True})
        | Q(**{f"{prefix}effective_until__gte": day}))


class CatalogEntryQuerySet(models.QuerySet["CatalogEntry"]):
    def for_organization(self, organization: Organization) -> CatalogEntryQuerySet:
        """Return active entries of catalogs in force that bind ``organization``."""
        return self.filter(pk__in=[e.pk for e in self.listed_for(organization)]).select_related(
            "catalog", "catalog__issuer")

    def listed_for(self, organization: Organization) -> list[CatalogEntry]:
        """The entries of :meth:`for_organization` as a list, in catalog order: one query
        where the queryset needs two."""
        ancestor_ids = [int(p) for p in organization.path.strip("/").split("/") if p]
        entries = self.filter(
            catalog_in_force(timezone.localdate()), active=True,
            catalog__issuer_id__in=ancestor_ids,
        ).filter(Q(only_for__isnull=True) | Q(only_for=organization))
        if connection.features.supports_json_field_contains:
            # The catalogs above bind organizations of some types each: read only the rows of
            # those for this type (a secretary's workspace read 300 rows for 40); binds()
            # below still decides.
            entries = entries.filter(Q(only_for=organization) | Q(catalog__binds_kinds=[])
                                     | Q(catalog__binds_kinds__contains=[organization.kind]))
        entries = entries.select_related("catalog", "catalog__issuer")
        return [e for e in entries
                if e.only_for_id == organization.pk or e.catalog.binds(organization)]


class CatalogEntry(DisclosureRules):
    """One line of the catalog: a kind of matter to disclose and the rules for it."""

    catalog = models.ForeignKey(
        Catalog, verbose_name=_("catalog"), on_delete=models.CASCADE, related_name="entries"
    )
    code = models.CharField(_("code"), max_length=20)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("title"), max_length=150)
    content = models.TextField(_("what to disclose"), blank=True)
    period = models.CharField(
        _("period"), max_length=10, choices=Period.choices, blank=True,
        help_text=_("Required for periodic entries."),
    )
    due_days = models.PositiveSmallIntegerField(
        _("due within (days)"), default=10,
        help_text=_("Working days after the period ends (periodic) or after the event "
                    "(timely)."),
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
            *DisclosureRules.Meta.constraints,
            models.UniqueConstraint(fields=["catalog", "code"], name="entry_code_per_catalog"),
            models.CheckConstraint(
                condition=~Q(frequency="periodic") | ~Q(period=""),
                name="periodic_entry_has_period",
            ),
            models.CheckConstraint(
                condition=~Q(party_audience="range") | Q(range_leadership=True)
                | Q(range_cadres=True),
                name="entry_range_names_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        errors = {}
        if self.is_periodic and not self.period:
            errors["period"] = _("A periodic entry needs its period.")
        if self.is_short_term and not self.display_days:
            errors["display_days"] = _("A short-term entry needs its display period.")
        if self.party_audience == PartyAudience.RANGE and not (
                self.range_leadership or self.range_cadres):
            errors["party_audience"] = _("A named range must name someone: choose the "
                                         "leadership team members or the leading cadres.")
        if errors:
            raise ValidationError(errors)

    def carrier_labels(self) -> list[str]:
        labels = dict(Carrier.choices)
        return [str(labels.get(c, c)) for c in self.carriers]
