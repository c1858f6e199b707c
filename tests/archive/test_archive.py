"""The archive: numbering, snapshots, the hash chain, tampering detection, exports."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import threading
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone, translation

from archive import services
from archive.models import ArchivedFile, ArchiveRecord
from disclosure import services as item_services
from disclosure.models import DisclosureItem, State
from disclosure.visibility import can_view
from portal.workflow import TransitionError

pytestmark = pytest.mark.django_db


def archived(world, n: int = 3) -> list[ArchiveRecord]:
    records = []
    for i in range(n):
        item = world.item(State.INTERNAL, title=f"归档事项{i}", attachment=f"附件{i}".encode())
        records.append(services.archive_item(item_id=item.pk, actor=world.users["secretary"]))
    return records


def verify() -> str:
    """Run verify_archive (in English, to read its report) and return what it said."""
    out = io.StringIO()
    try:
        with translation.override("en"):
            call_command("verify_archive", stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return f"FAIL {error}"
    return out.getvalue()


def test_archive_numbers_snapshot_and_chain(world):
    first, second, third = archived(world)
    year = timezone.localdate().year
    assert first.archive_number == f"B1-{year}-ZZ-0001"
    assert third.archive_number == f"B1-{year}-ZZ-0003"
    assert [r.sequence for r in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == "0" * 64 and second.prev_hash == first.record_hash
    assert first.snapshot["title"] == "归档事项0"
    assert [r["action"] for r in first.snapshot["reviews"]] == [
        "submit", "approve", "publish_internal"]
    copy = first.files.get()
    assert copy.sha256 == hashlib.sha256("附件0".encode()).hexdigest()
    assert not os.stat(copy.file.path).st_mode & stat.S_IWUSR  # read-only
    item = DisclosureItem.objects.get(pk=first.item_id)
    assert item.state == State.ARCHIVED and item.reviews.last().action == "archive"
    assert "archive intact: 3 records" in verify()


def test_archived_items_stay_readable_by_the_audiences_they_reached(world):
    """Archiving files a disclosure, it does not take it down."""
    from django.contrib.auth.models import AnonymousUser

    public = world.item(State.PUBLIC, title="公开后归档")
    internal = world.item(State.INTERNAL, title="党内公开后归档")
    for item in (public, internal):
        services.archive_item(item_id=item.pk, actor=world.users["secretary"])
        item.refresh_from_db()
        assert can_view(world.users["member"], item)
    assert can_view(AnonymousUser(), public)
    assert not can_view(AnonymousUser(), internal)
    assert not can_view(world.users["other_member"], internal)


def test_only_the_organization_archives_and_only_finished_items(world):
    item = world.item(State.INTERNAL)
    with pytest.raises(PermissionDenied):
        services.archive_item(item_id=item.pk, actor=world.users["member"])
    draft = world.item(State.DRAFT, title="草稿")
    with pytest.raises(TransitionError):
        services.archive_item(item_id=draft.pk, actor=world.users["secretary"])
    assert not ArchiveRecord.objects.exists()


def test_altered_attachment_refuses_archiving_and_leaves_nothing(world, settings):
    item = world.item(State.INTERNAL, attachment=b"original")
    path = item.attachments.get().file.path
    with open(path, "wb") as handle:
        handle.write(b"changed")
    with pytest.raises(TransitionError):
        services.archive_item(item_id=item.pk, actor=world.users["secretary"])
    assert not ArchiveRecord.objects.exists() and not ArchivedFile.objects.exists()
    assert not (settings.MEDIA_ROOT / "archive").exists() or not any(
        files for _root, _dirs, files in os.walk(settings.MEDIA_ROOT / "archive"))


def test_tampered_snapshot_field_is_named(world):
    records = archived(world)
    ArchiveRecord.objects.filter(pk=records[1].pk).update(
        snapshot={**records[1].snapshot, "title": "篡改后的标题"})
    report = verify()
    assert report.startswith("FAIL") and records[1].archive_number in report
    assert "changed after archiving" in report


def test_replaced_file_is_named(world):
    records = archived(world)
    path = records[2].files.get().file.path
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    with open(path, "wb") as handle:
        handle.write(b"forged")
    report = verify()
    assert report.startswith("FAIL") and records[2].archive_number in report
    assert "was changed" in report


def test_missing_file_is_named(world):
    records = archived(world)
    os.remove(records[0].files.get().file.path)
    report = verify()
    assert records[0].archive_number in report and "missing" in report


def test_deleted_record_is_named(world):
    records = archived(world)
    ArchivedFile.objects.filter(record=records[1]).delete()
    ArchiveRecord.objects.filter(pk=records[1].pk).delete()
    report = verify()
    assert report.startswith("FAIL") and records[2].archive_number in report
    assert "missing or out of order" in report


def test_swapped_records_are_named(world):
    records = archived(world)
    a, b = records[0], records[1]
    with transaction.atomic():
        ArchiveRecord.objects.filter(pk=a.pk).update(sequence=1000)
        ArchiveRecord.objects.filter(pk=b.pk).update(sequence=a.sequence)
        ArchiveRecord.objects.filter(pk=a.pk).update(sequence=b.sequence)
    report = verify()
    assert report.startswith("FAIL") and b.archive_number in report


def test_scheduler_archives_expired_and_superseded_items(world):
    expired = world.item(State.EXPIRED, title="过期事项")
    entry = world.entries["periodic"]
    sec = world.users["secretary"]
    old = item_services.item_create(organization=world.branch, entry=entry, actor=sec,
                                    title="第三季度", body="x",
                                    period_start=timezone.localdate() - timedelta(days=200),
                                    period_end=timezone.localdate() - timedelta(days=110))
    new = item_services.item_create(organization=world.branch, entry=entry, actor=sec,
                                    title="第四季度", body="x",
                                    period_start=timezone.localdate() - timedelta(days=100),
                                    period_end=timezone.localdate() - timedelta(days=10))
    from tests.conftest import walk

    walk(old, State.INTERNAL, sec, world.users["reviewer"])
    assert services.archive_due_items() == 1  # only the expired one so far
    walk(new, State.INTERNAL, sec, world.users["reviewer"])
    assert services.archive_due_items() == 1
    assert services.archive_due_items() == 0
    statuses = dict(DisclosureItem.objects.values_list("title", "state"))
    assert statuses["过期事项"] == statuses["第三季度"] == State.ARCHIVED
    assert statuses["第四季度"] == State.INTERNAL
    assert expired.pk


def test_register_is_visible_as_its_items_are(world, client):
    records = archived(world, 2)
    client.force_login(world.users["member"])
    page = client.get("/archive/")
    assert page.context["page"].paginator.count == 2
    assert client.get(f"/archive/{records[0].archive_number}/").status_code == 200
    client.force_login(world.users["other_member"])
    assert client.get("/archive/").context["page"].paginator.count == 0
    assert client.get(f"/archive/{records[0].archive_number}/").status_code == 404
    copy = records[0].files.get()
    assert client.get(f"/archive/files/{copy.pk}/").status_code == 404
    client.force_login(world.users["supervisor"])
    assert client.get("/archive/").context["page"].paginator.count == 2


def test_archived_file_is_a_private_download(world, client):
    """An archived copy is served like an attachment, and no cache keeps it."""
    copy = archived(world, 1)[0].files.get()
    client.force_login(world.users["secretary"])
    response = client.get(f"/archive/files/{copy.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == "附件0".encode()
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_missing_archived_file_answers_404(world, client):
    copy = archived(world, 1)[0].files.get()
    os.remove(copy.file.path)
    client.force_login(world.users["secretary"])
    assert client.get(f"/archive/files/{copy.pk}/").status_code == 404


def test_exports_open_and_match_the_register(world, client):
    from openpyxl import load_workbook

    records = archived(world, 3)
    client.force_login(world.users["secretary"])
    numbers = sorted(r.archive_number for r in records)
    csv_rows = client.get("/archive/export.csv").content.decode("utf-8-sig").splitlines()[1:]
    assert sorted(r.split(",")[0] for r in csv_rows) == numbers
    book = load_workbook(io.BytesIO(client.get("/archive/export.xlsx").content))
    assert sorted(r[0] for r in book.active.iter_rows(min_row=2, values_only=True)) == numbers
    year = timezone.localdate().year
    response = client.get("/archive/export.zip", {"organization": "B1", "year": year})
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    sums = bundle.read("MANIFEST.sha256").decode().splitlines()
    assert len(sums) == 6  # three records and three files
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(bundle.read(name)).hexdigest() == digest
    document = json.loads(bundle.read(f"records/{numbers[0]}.json"))
    text = json.dumps(document["payload"], sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == document["record_hash"]


def test_archive_button_through_the_page(world, client):
    item = world.item(State.INTERNAL)
    client.force_login(world.users["secretary"])
    # The button leads to a confirmation; only the confirmed post archives.
    assert client.post(f"/items/{item.pk}/archive/").status_code == 200
    assert not ArchiveRecord.objects.exists()
    response = client.post(f"/items/{item.pk}/archive/", {"confirm": "yes"})
    record = ArchiveRecord.objects.get()
    assert response.url == f"/archive/{record.archive_number}/"
    client.force_login(world.users["member"])
    assert client.post(f"/items/{world.item(State.INTERNAL, title='x2').pk}/archive/",
                       {"confirm": "yes"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_archiving_never_forks_the_chain(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row and advisory locks")
    items = [world.item(State.INTERNAL, title=f"并发{i}") for i in range(12)]
    barrier = threading.Barrier(4)
    errors = []

    def work(chunk):
        from django.db import connections

        try:
            barrier.wait()
            for item in chunk:
                services.archive_item(item_id=item.pk)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(items[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    records = list(ArchiveRecord.objects.order_by("sequence"))
    assert [r.sequence for r in records] == list(range(1, 13))
    assert all(b.prev_hash == a.record_hash for a, b in zip(records, records[1:],
                                                              strict=False))
    assert sorted(r.number for r in records) == list(range(1, 13))
    assert "archive intact: 12 records" in verify()


@pytest.mark.django_db(transaction=True)
def test_parallel_check_finds_what_one_walk_finds(world, monkeypatch):
    """Large archives are checked in stretches by several processes; each stretch starts
    from the stored hash before it, so a change, a deletion or a broken file anywhere is
    still found, in whichever stretch it falls."""
    from archive.management.commands import verify_archive

    monkeypatch.setattr(verify_archive, "PARALLEL_FROM", 0)
    records = archived(world, n=9)

    def parallel() -> str:
        out = io.StringIO()
        try:
            with translation.override("en"):
                call_command("verify_archive", "--workers", "2", "--all", stdout=out,
                             stderr=io.StringIO())
        except CommandError as error:
            return f"FAIL {out.getvalue()} {error}"
        return out.getvalue()

    assert "archive intact: 9 records verified" in parallel()
    ArchiveRecord.objects.filter(pk=records[4].pk).update(
        snapshot={**records[4].snapshot, "title": "篡改后的标题"})
    ArchivedFile.objects.filter(record=records[7]).delete()
    ArchiveRecord.objects.filter(pk=records[7].pk).delete()
    report = parallel()
    assert report.startswith("FAIL")
    assert records[4].archive_number in report and "changed after archiving" in report
    assert records[8].archive_number in report and "missing or out of order" in report
    for clean in (0, 1, 2, 3, 5, 6):  # stretches begin at 3 and 5: no false alarm there
        assert records[clean].archive_number not in report
