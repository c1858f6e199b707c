"""Load the default catalogs issued by one organization: one per organization type and one
for its own affairs. Running it again changes nothing."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from catalog import defaults, services
from portal.models import Organization


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(_("“%(value)s” is not a date of the form YYYY-MM-DD.")
                           % {"value": value}) from error


class Command(BaseCommand):
    help = ("Load the default disclosure catalogs issued by an organization: one per "
            "organization type and one for the organization's own affairs (idempotent).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", required=True,
                            help="Code of the issuing organization, e.g. CD.")
        parser.add_argument("--effective-from", type=iso_date, default=None,
                            help="First day in force (YYYY-MM-DD); 1 January of this year "
                                 "by default.")
        parser.add_argument("--kinds", default=None,
                            help="Comma-separated catalogs to load: organization types ("
                                 + ", ".join(defaults.KINDS) + f") and {defaults.OWN} for the "
                                 "issuer's own; all of them by default.")

    def handle(self, *args, **options) -> None:
        issuer = Organization.objects.filter(code=options["issuer"]).first()
        if issuer is None:
            raise CommandError(_("No organization has the code “%(code)s”.")
                               % {"code": options["issuer"]})
        kinds = None
        if options["kinds"] is not None:
            kinds = [k.strip() for k in options["kinds"].split(",") if k.strip()]
        try:
            services.catalog_keys(kinds)
        except ValueError as error:
            raise CommandError(_("Unknown catalogs: %(names)s. Choose from: %(choices)s.") % {
                "names": error, "choices": ", ".join(defaults.CATALOG_KEYS)}) from error
        results = services.load_default_catalogs(
            issuer=issuer, effective_from=options["effective_from"], kinds=kinds)
        for result in results:
            self.stdout.write(self.line(result))
        created = sum(result.created for result in results)
        self.stdout.write(self.style.SUCCESS(
            _("%(created)s of %(total)s default catalogs created for %(issuer)s.")
            % {"created": created, "total": len(results), "issuer": issuer.name}))

    @staticmethod
    def line(result: services.DefaultCatalog) -> str:
        values = {"name": str(result.catalog), "binds": result.binding_label(),
                  "entries": result.entry_count}
        if result.created:
            return _("Created %(name)s for %(binds)s: %(entries)s entries.") % values
        return _("Unchanged %(name)s for %(binds)s: it exists already (%(entries)s "
                 "entries).") % values
