"""Check the archive: the hash chain, every record's content and every archived file."""

from __future__ import annotations

import multiprocessing
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.db.models import Max, Min

from archive.models import ArchiveRecord
from archive.services import Problem, verify_chain

PARALLEL_FROM = 50_000  # records; below this one process is faster than starting several


def verify_stretch(task: tuple[int, int, bool, bool]) -> tuple[int, list[Problem]]:
    """Check one stretch of the chain in a worker process; return (records, problems)."""
    first, last, check_files, every = task
    checked, problems = 0, []
    for found in verify_chain(check_files=check_files, first=first, last=last):
        if isinstance(found, int):
            continue
        problems.append(found)
        if not every:
            break
    checked = ArchiveRecord.objects.filter(sequence__gte=first, sequence__lte=last).count()
    connection.close()
    return checked, problems


class Command(BaseCommand):
    help = "Verify the archive's hash chain and file digests; exit 1 at the first problem."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true",
                            help="report every problem instead of stopping at the first")
        parser.add_argument("--skip-files", action="store_true",
                            help="check the chain and records only, not the file digests")
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                            help="processes that check stretches of the chain at once "
                                 "(default: one per core)")

    def handle(self, *args, **options) -> None:
        total = ArchiveRecord.objects.count()
        check_files = not options["skip_files"]
        workers = max(1, options["workers"])
        if workers > 1 and total >= PARALLEL_FROM and not connection.in_atomic_block:
            problems = self.parallel(workers, check_files, options["all"], total)
        else:
            problems = self.sequential(check_files, options["all"], total)
        for problem in problems:
            self.stdout.write(self.style.ERROR(str(problem)))
        if problems:
            raise CommandError(f"archive NOT intact: first problem at {problems[0]}")
        self.stdout.write(self.style.SUCCESS(f"archive intact: {total} records verified"))

    def sequential(self, check_files: bool, every: bool, total: int) -> list[Problem]:
        problems: list[Problem] = []
        for found in verify_chain(check_files=check_files):
            if isinstance(found, int):
                self.stderr.write(f"\r{found}/{total} records checked", ending="")
                continue
            problems.append(found)
            if not every:
                break
        return problems

    def parallel(self, workers: int, check_files: bool, every: bool,
                 total: int) -> list[Problem]:
        """Split the chain into stretches by sequence and check them in forked processes;
        each stretch starts from the stored hash before it, so together they check
        exactly what one walk would."""
        bounds = ArchiveRecord.objects.aggregate(low=Min("sequence"), high=Max("sequence"))
        low, high = bounds["low"], bounds["high"]
        pieces = workers * 4  # smaller stretches keep both cores busy to the end
        step = -(-(high - low + 1) // pieces)
        tasks = [(start, min(start + step - 1, high), check_files, every)
                 for start in range(low, high + 1, step)]
        tasks[0] = (1, *tasks[0][1:])  # records missing before the lowest one still count
        connections.close_all()  # the children open their own
        problems: list[Problem] = []
        checked = 0
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for count, found in pool.imap_unordered(verify_stretch, tasks):
                checked += count
                problems.extend(found)
                self.stderr.write(f"\r{checked}/{total} records checked", ending="")
        problems.sort(key=lambda p: p.sequence)
        return problems if every else problems[:1]
