"""Check the archive: the hash chain, every record's content and every archived file."""

from django.core.management.base import BaseCommand, CommandError

from archive.models import ArchiveRecord
from archive.services import Problem, verify_chain


class Command(BaseCommand):
    help = "Verify the archive's hash chain and file digests; exit 1 at the first problem."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true",
                            help="report every problem instead of stopping at the first")
        parser.add_argument("--skip-files", action="store_true",
                            help="check the chain and records only, not the file digests")

    def handle(self, *args, **options) -> None:
        total = ArchiveRecord.objects.count()
        problems: list[Problem] = []
        checked = 0
        for found in verify_chain(check_files=not options["skip_files"]):
            if isinstance(found, int):
                checked = found
                self.stderr.write(f"\r{checked}/{total} records checked", ending="")
                continue
            problems.append(found)
            self.stdout.write(self.style.ERROR(str(found)))
            if not options["all"]:
                break
        if problems:
            raise CommandError(f"archive NOT intact: first problem at {problems[0]}")
        self.stdout.write(self.style.SUCCESS(f"archive intact: {total} records verified"))
