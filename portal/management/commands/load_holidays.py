"""Load the State Council's public holidays and make-up working days from the
``chinesecalendar`` package into the working-day calendar (idempotent; days corrected in
the admin are kept)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal import holidays


class Command(BaseCommand):
    help = ("Load public holidays and make-up working days from the chinesecalendar package "
            "(default: from last year on). Days corrected in the admin are never changed.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("years", nargs="*", type=int, help="Years to load.")
        parser.add_argument("--since", type=int,
                            help="Load every known year from this one on.")
        parser.add_argument("--all", action="store_true",
                            help="Load every year the package knows.")

    def handle(self, *args, years: list[int], since: int | None, all: bool,  # noqa: A002
               **options) -> None:
        known = holidays.known_years()
        if not known:
            raise CommandError("The chinesecalendar package knows no year.")
        if unknown := [y for y in years if y not in known]:
            self.stderr.write(self.style.WARNING(
                f"Not in the package (it knows {known[0]}–{known[-1]}): "
                + ", ".join(map(str, unknown))))
        if not years and not all and since is None:
            since = timezone.localdate().year - 1

        def progress(year: int, result: holidays.Loaded) -> None:
            self.stdout.write(f"{year}: {result.created} added, {result.updated} updated, "
                              f"{result.removed} removed, {result.kept} kept as corrected")

        total = holidays.load_years(years or None, since=since, progress=progress)
        self.stdout.write(self.style.SUCCESS(
            f"Calendar loaded: {total.created} added, {total.updated} updated, "
            f"{total.removed} removed, {total.kept} admin corrections kept "
            f"(package knows {known[0]}–{known[-1]})."))
        if (gap := holidays.calendar_gap()) is not None:
            self.stdout.write(self.style.WARNING(
                holidays.missing_year_message(gap)))
