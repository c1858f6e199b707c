"""Load the default catalogs (``catalog.defaults``) issued by one organization.

Loading is idempotent: a catalog is known by its issuer, name and version, and one that
exists already is left as it is, entries included, whatever was edited in it since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from portal.dates import date_text
from portal.models import Organization, User

from . import defaults
from .models import Catalog, CatalogEntry


@dataclass(frozen=True)
class DefaultCatalog:
    """One default catalog of an issuer: found, created, or still to create."""

    key: str  # an organization type, or ``defaults.OWN``
    name: str
    catalog: Catalog | None
    created: bool = False

    @property
    def exists(self) -> bool:
        return self.catalog is not None

    @property
    def entry_count(self) -> int:
        if self.catalog is not None and not self.created:
            return self.catalog.entries.count()
        return len(defaults.entries_for(self.key))

    def binding_label(self) -> str:
        """Return whom the catalog binds, in words."""
        if self.key == defaults.OWN:
            return _("the issuing organization itself")
        return str(Organization.Kind(self.key).label)


def catalog_keys(kinds: Iterable[str] | None = None) -> list[str]:
    """Return the default catalogs to load, in their standard order: the organization types
    in ``kinds`` and ``defaults.OWN`` if listed, or all of them. Raise ``ValueError`` for a
    value that is neither."""
    if kinds is None:
        return list(defaults.CATALOG_KEYS)
    wanted = set(kinds)
    if unknown := sorted(wanted - set(defaults.CATALOG_KEYS)):
        raise ValueError(", ".join(unknown))
    return [key for key in defaults.CATALOG_KEYS if key in wanted]


def default_effective_from() -> dt.date:
    """Return 1 January of the current year."""
    return dt.date(timezone.localdate().year, 1, 1)


def default_catalogs(issuer: Organization,
                     kinds: Iterable[str] | None = None) -> list[DefaultCatalog]:
    """Return the default catalogs of ``issuer``, each with the catalog that exists for it
    (or None): what loading would create and what it would leave alone."""
    keys = catalog_keys(kinds)
    names = {defaults.CATALOG_NAMES[key]: key for key in keys}
    found = {c.name: c for c in Catalog.objects.filter(
        issuer=issuer, name__in=names, version=defaults.DEFAULT_VERSION)}
    return [DefaultCatalog(key, defaults.CATALOG_NAMES[key],
                           found.get(defaults.CATALOG_NAMES[key])) for key in keys]


def binding(key: str, issuer: Organization) -> dict[str, object]:
    """Return the binding fields of one default catalog: an organization type below the
    issuer, or the issuer (see :func:`own_entry_fields`)."""
    if key == defaults.OWN:
        return {"binds_issuer": True, "binds_below": False, "binds_kinds": []}
    return {"binds_issuer": False, "binds_below": True, "binds_kinds": [key]}


def own_entry_fields(key: str, issuer: Organization) -> dict[str, object]:
    """Return extra fields of the entries of one default catalog: none, now that the
    issuer's own catalog binds the issuer alone (``binds_below`` off), so the scheduler
    prepares its periodic obligations like everyone else's."""
    return {}


@transaction.atomic
def load_default_catalogs(*, issuer: Organization, effective_from: dt.date | None = None,
                          kinds: Iterable[str] | None = None,
                          actor: User | None = None) -> list[DefaultCatalog]:
    """Create the default catalogs issued by ``issuer`` that do not exist yet, active from
    ``effective_from`` (1 January of this year by default), with their entries; return
    every catalog asked for, marked created or not. Running it again creates nothing."""
    effective_from = effective_from or default_effective_from()
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Loaded from the default catalogs")
    results = []
    for planned in default_catalogs(issuer, kinds):
        if planned.exists:
            results.append(planned)
            continue
        catalog, created = _create_catalog(planned, issuer, effective_from, actor, reason)
        results.append(DefaultCatalog(planned.key, planned.name, catalog, created=created))
    return results


def _create_catalog(planned: DefaultCatalog, issuer: Organization, effective_from: dt.date,
                    actor: User | None, reason: str) -> tuple[Catalog, bool]:
    """Create one catalog with its entries; return it and True, or the catalog a concurrent
    load made and False."""
    catalog = Catalog(issuer=issuer, name=planned.name, version=defaults.DEFAULT_VERSION,
                      effective_from=effective_from, state=Catalog.State.ACTIVE,
                      **binding(planned.key, issuer))
    catalog._history_user = actor  # type: ignore[attr-defined]
    catalog._change_reason = reason  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            catalog.save()
    except IntegrityError:
        return Catalog.objects.get(issuer=issuer, name=planned.name,
                                   version=defaults.DEFAULT_VERSION), False
    only = own_entry_fields(planned.key, issuer)
    entries = [CatalogEntry(catalog=catalog, **values, **only)
               for values in defaults.entries_for(planned.key)]
    bulk_create_with_history(entries, CatalogEntry, default_user=actor,
                             default_change_reason=reason)
    return catalog, True


def next_year() -> int:
    return timezone.localdate().year + 1


@transaction.atomic
def catalog_roll_over(catalogs: Iterable[Catalog], *, year: int | None = None,
                      actor: User | None = None) -> list[Catalog]:
    """Copy each catalog and its entries into a new draft version ``year`` (the next year
    by default), effective 1 January of that year; return the new versions.

    Refuse, changing nothing, when a version of that year exists already for any of them,
    or the year does not come after the version copied. The copied versions stay as they
    were; a new version is put in force by activating it, like any catalog (and the old
    one ended by its end date)."""
    year = year or next_year()
    start = dt.date(year, 1, 1)
    catalogs = list(catalogs)
    refusals, seen = [], set()
    for catalog in catalogs:
        key = (catalog.issuer_id, catalog.name)
        if key in seen or Catalog.objects.filter(
                issuer_id=catalog.issuer_id, name=catalog.name, version=str(year)).exists():
            refusals.append(_("%(name)s has a version %(year)s already.") % {
                "name": catalog.name, "year": year})
        elif start <= catalog.effective_from:
            refusals.append(_("%(catalog)s is in force from %(date)s: a new version must "
                              "start in a later year.") % {
                "catalog": catalog, "date": date_text(catalog.effective_from)})
        seen.add(key)
    if refusals:
        raise ValidationError(refusals)
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Rolled over to %(year)s") % {"year": year}
    return [_copy(catalog, year, start, actor, reason) for catalog in catalogs]


def _copy(source: Catalog, year: int, start: dt.date, actor: User | None,
          reason: str) -> Catalog:
    catalog = Catalog(name=source.name, issuer_id=source.issuer_id, version=str(year),
                      effective_from=start, effective_until=None,
                      binds_kinds=list(source.binds_kinds), binds_issuer=source.binds_issuer,
                      binds_below=source.binds_below, state=Catalog.State.DRAFT)
    catalog._history_user = actor  # type: ignore[attr-defined]
    catalog._change_reason = f"{reason} ← {source}"  # type: ignore[attr-defined]
    catalog.save()
    # Out-of-catalog matters approved for one organization stay with their year.
    entries = []
    for entry in source.entries.filter(only_for__isnull=True).order_by("order", "code"):
        entry.pk, entry.id, entry.catalog = None, None, catalog
        entries.append(entry)
    bulk_create_with_history(entries, CatalogEntry, default_user=actor,
                             default_change_reason=reason)
    return catalog
