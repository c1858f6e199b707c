"""The offline ledger (公开台账): recording postings, meetings and documents with checked
evidence, refusing bad input without leaving anything behind, voiding, who sees what, the
calendar's and the dashboard's warnings, and the exports."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from archive import supervision
from disclosure import ledger, services
from disclosure.models import LedgerEvidence, LedgerRecord, Obligation, State
from disclosure.obligations import calendar_for
from disclosure.permissions import can_view_ledger, visible_ledger
from disclosure.selectors import ledger_counts
from portal.workflow import TransitionError

TODAY = timezone.localdate()


def image(fmt: str = "PNG", name: str = "公开栏.png", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def pdf(name: str = "会议记录.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                              content_type="application/pdf")


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "ledger"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def board_entry(world):
    entry = world.entries["public"]
    entry.carriers = ["notice_board", "website"]
    entry.save()
    return entry


@pytest.fixture
def item(world, board_entry):
    return world.item(State.INTERNAL, title="组织设置公开")


def record_board(world, item, **extra):
    values = {"date": TODAY - dt.timedelta(days=3), "board": "社区党群服务中心一楼公开栏"}
    values.update(extra)
    return services.ledger_record(organization=world.branch, actor=world.users["secretary"],
                                  item=item, carrier="notice_board", **values)


def test_recording_each_kind(world, item):
    world.entries["public"].carriers = []  # no carrier listed: any offline one is allowed
    world.entries["public"].save()
    item.refresh_from_db()
    posting = record_board(world, item, uploads=[image(), image("JPEG", "近景.jpg")])
    assert posting.until is None and posting.is_on_board
    files = list(posting.evidence.all())
    assert [f.content_type for f in files] == ["image/png", "image/jpeg"]
    assert all(f.file.name.startswith("ledger/") and "公开栏" not in f.file.name
               for f in files)
    assert files[0].sha256 == hashlib.sha256(files[0].file.open("rb").read()).hexdigest()
    meeting = services.ledger_record(
        organization=world.branch, actor=world.users["secretary"], item=item,
        carrier="meeting", date=TODAY, meeting_kind="general", meeting_name="第二季度党员大会",
        attendance=23, minutes="传达了组织设置情况。", board="ignored", uploads=[pdf()])
    assert (meeting.attendance, meeting.board, meeting.evidence.get().content_type) == (
        23, "", "application/pdf")
    document = services.ledger_record(
        organization=world.branch, actor=world.users["committee_member"], item=item,
        carrier="document", date=TODAY, document_number="党支字〔2026〕3号")
    assert document.document_number == "党支字〔2026〕3号"
    assert LedgerRecord.history.filter(id=posting.pk).count() == 1
    services.ledger_take_down(record_id=posting.pk, actor=world.users["secretary"],
                              until=TODAY)
    posting.refresh_from_db()
    assert posting.until == TODAY and not posting.is_on_board
    assert LedgerRecord.history.filter(id=posting.pk).count() == 2


def test_recording_an_obligation_links_the_item_that_fulfilled_it(world, item):
    obligation = Obligation.objects.create(
        entry=item.entry, organization=world.branch, period_start=TODAY, period_end=TODAY,
        due_date=TODAY, state=Obligation.State.ON_TIME, fulfilled_by=item)
    record = services.ledger_record(
        organization=world.branch, actor=world.users["secretary"], obligation=obligation,
        carrier="notice_board", date=TODAY, board="公开栏")
    assert record.item == item and record.obligation == obligation


BAD = {
    "not an image": ({"uploads": [SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not a photo")]},
                     "evidence"),
    "broken image": ({"uploads": [SimpleUploadedFile(
        "x.png", image().read()[:60], content_type="image/png")]}, "evidence"),
    "png named jpg": ({"uploads": [image("PNG", "x.jpg")]}, "evidence"),
    "wrong type": ({"uploads": [SimpleUploadedFile("x.txt", b"hello")]}, "evidence"),
    "until before from": ({"until": TODAY - dt.timedelta(days=5)}, "until"),
    "future date": ({"date": TODAY + dt.timedelta(days=1)}, "date"),
    "future until": ({"until": TODAY + dt.timedelta(days=1)}, "until"),
    "no board": ({"board": " "}, "board"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_refused_and_leaves_nothing(world, item, case):
    extra, field = BAD[case]
    good = image()  # a valid file along with the bad one must not be kept either
    if "uploads" in extra:
        extra = {"uploads": [good, *extra["uploads"]]}
    with pytest.raises(ValidationError) as refused:
        record_board(world, item, **extra)
    assert field in refused.value.message_dict
    assert not LedgerRecord.objects.exists() and not LedgerEvidence.objects.exists()
    assert stored_files() == []


def test_too_large_and_a_failing_save_leave_no_file(world, item, settings, monkeypatch):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        record_board(world, item, uploads=[image(size=(200, 200))])
    assert "100" in refused.value.message_dict["evidence"][0]
    assert stored_files() == []
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(LedgerEvidence, "save", broken_save)
    with pytest.raises(RuntimeError):
        record_board(world, item, uploads=[image()])
    assert not LedgerRecord.objects.exists() and stored_files() == []


def test_other_organizations_item_wrong_carrier_and_unpublished_item(world, board_entry):
    other = world.item(State.INTERNAL, org=world.other_branch)
    with pytest.raises(ValidationError, match="not one of|不属于"):
        record_board(world, other)
    with pytest.raises(PermissionDenied):
        services.ledger_record(organization=world.other_branch, actor=world.users["secretary"],
                               item=other, carrier="notice_board", date=TODAY, board="x")
    mine = world.item(State.INTERNAL)
    with pytest.raises(ValidationError) as refused:
        services.ledger_record(organization=world.branch, actor=world.users["secretary"],
                               item=mine, carrier="meeting", date=TODAY,
                               meeting_kind="general", attendance=5)
    assert "carrier" in refused.value.message_dict
    with pytest.raises(ValidationError, match="approved or published|已审核或已发布"):
        record_board(world, world.item(State.DRAFT))
    with pytest.raises(PermissionDenied):
        services.ledger_record(organization=world.branch, actor=world.users["member"],
                               item=mine, carrier="notice_board", date=TODAY, board="x")
    assert not LedgerRecord.objects.exists()


def test_the_form_shows_the_error_and_saves_nothing(world, item):
    client = Client()
    client.force_login(world.users["secretary"])
    url = reverse("disclosure:record_item", args=[item.pk])
    assert client.get(url).status_code == 200
    fake = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 this is no jpeg at all")
    response = client.post(url, {"carrier": "notice_board", "date": TODAY.isoformat(),
                                 "board": "一楼公开栏", "evidence": [fake]})
    assert response.status_code == 200
    assert "photo.jpg" in response.content.decode()
    assert not LedgerRecord.objects.exists() and stored_files() == []
    response = client.post(url, {"carrier": "notice_board", "date": TODAY.isoformat(),
                                 "board": "一楼公开栏", "evidence": [image(), pdf()]})
    record = LedgerRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    assert record.evidence.count() == 2
    other = Client()
    other.force_login(world.users["other_secretary"])
    assert other.get(url).status_code == 404


def test_voiding_keeps_the_record_and_its_evidence(world, item):
    record = record_board(world, item, uploads=[image()])
    with pytest.raises(TransitionError):
        services.ledger_void(record_id=record.pk, actor=world.users["secretary"], reason=" ")
    with pytest.raises(PermissionDenied):
        services.ledger_void(record_id=record.pk, actor=world.users["supervisor"],
                             reason="错误")
    services.ledger_void(record_id=record.pk, actor=world.users["secretary"],
                         reason="登记错了事项")
    record.refresh_from_db()
    assert record.is_voided and record.void_reason == "登记错了事项" and record.voided_at
    assert record.evidence.count() == 1 and len(stored_files()) == 1
    with pytest.raises(TransitionError):
        services.ledger_void(record_id=record.pk, actor=world.users["secretary"], reason="x")
    with pytest.raises(TransitionError):
        services.ledger_take_down(record_id=record.pk, actor=world.users["secretary"],
                                  until=TODAY)
    with pytest.raises(TransitionError):
        services.ledger_add_evidence(record_id=record.pk, actor=world.users["secretary"],
                                     uploads=[image()])
    assert len(stored_files()) == 1
    assert ledger_counts([world.branch.pk], TODAY.year)["notice_board"] == {
        "records": 0, "evidence": 0}
    client = Client()
    client.force_login(world.users["secretary"])
    page = client.get(record.get_absolute_url()).content.decode()
    assert "登记错了事项" in page


SEES = {"secretary": True, "committee_member": True, "reviewer": True, "supervisor": True,
        "member": True, "other_member": False, "other_secretary": False,
        "branch_supervisor": False, "outsider": False, "committee_reviewer": False}


def test_visibility_per_role_and_evidence_download(world, item):
    record = record_board(world, item, uploads=[image()])
    evidence = record.evidence.get()
    internal = world.item(State.INTERNAL, entry="internal", title="民主评议")
    obligation = Obligation.objects.create(
        entry=world.entries["periodic"], organization=world.branch, period_start=TODAY,
        period_end=TODAY, due_date=TODAY)
    obligation_only = services.ledger_record(
        organization=world.branch, actor=world.users["secretary"], obligation=obligation,
        carrier="document", date=TODAY, document_number="1号", uploads=[pdf()])
    voided = services.ledger_record(organization=world.branch, actor=world.users["secretary"],
                                    item=internal, carrier="document", date=TODAY,
                                    document_number="2号")
    services.ledger_void(record_id=voided.pk, actor=world.users["secretary"], reason="重复")
    for name, expected in SEES.items():
        user = world.users[name]
        assert can_view_ledger(user, record) is expected, name
        assert visible_ledger(user).filter(pk=record.pk).exists() is expected, name
        client = Client()
        client.force_login(user)
        download = client.get(reverse("disclosure:ledger_evidence", args=[evidence.pk]))
        assert download.status_code == (200 if expected else 404), name
        if expected:
            assert download["Content-Disposition"].startswith("attachment")
            assert download["X-Content-Type-Options"] == "nosniff"
        page = client.get(reverse("disclosure:ledger_list", args=[world.branch.code]))
        assert page.status_code == (200 if expected else 404), name
    member = world.users["member"]
    for hidden in (obligation_only, voided):
        hidden.refresh_from_db()
        assert not can_view_ledger(member, hidden)
        assert not visible_ledger(member).filter(pk=hidden.pk).exists()
    client = Client()
    client.force_login(member)
    assert client.get(obligation_only.get_absolute_url()).status_code == 404
    hidden_file = obligation_only.evidence.get()
    assert client.get(reverse("disclosure:ledger_evidence",
                              args=[hidden_file.pk])).status_code == 404
    assert Client().get(reverse("disclosure:ledger_evidence",
                                args=[evidence.pk])).status_code == 302  # sign in first
    assert visible_ledger(world.users["reviewer"]).count() == 3


def test_calendar_and_item_page_say_what_is_not_recorded(world, item):
    obligation = Obligation.objects.create(
        entry=item.entry, organization=world.branch, period_start=TODAY, period_end=TODAY,
        due_date=TODAY, state=Obligation.State.ON_TIME, fulfilled_by=item,
        fulfilled_at=timezone.now())
    rows = calendar_for(world.branch)["done"]
    assert [(o.pk, [c for c, _label in o.ledger_missing]) for o in rows] == [
        (obligation.pk, ["notice_board"])]
    client = Client()
    client.force_login(world.users["secretary"])
    page = client.get(reverse("disclosure:workspace")).content.decode()
    assert reverse("disclosure:record_obligation", args=[obligation.pk]) in page
    item_page = client.get(item.get_absolute_url()).content.decode()
    assert reverse("disclosure:record_item", args=[item.pk]) in item_page
    assert "ledger-missing" in page
    record = record_board(world, item)
    assert calendar_for(world.branch)["done"][0].ledger_missing == []
    assert "ledger-missing" not in client.get(reverse("disclosure:workspace")).content.decode()
    services.ledger_void(record_id=record.pk, actor=world.users["secretary"], reason="错")
    assert calendar_for(world.branch)["done"][0].ledger_missing


def test_dashboard_counts_gaps_in_bounded_queries(world, board_entry,
                                                  django_assert_max_num_queries,
                                                  django_assert_num_queries):
    items = [world.item(State.INTERNAL, title=f"事项{n}") for n in range(3)]
    other = world.item(State.INTERNAL, org=world.other_branch)
    for n, it in enumerate([*items, other]):
        Obligation.objects.create(
            entry=board_entry, organization=it.organization,
            period_start=TODAY - dt.timedelta(days=n), period_end=TODAY,
            due_date=TODAY, state=Obligation.State.ON_TIME, fulfilled_by=it)
    record_board(world, items[0])
    ids = [world.branch.pk, world.other_branch.pk]
    with django_assert_max_num_queries(3):
        gaps = ledger.gaps_by_organization(ids, TODAY.year)
    assert gaps == {world.branch.pk: 2, world.other_branch.pk: 1}
    rows = {r.organization.pk: r for r in supervision.compliance(
        supervision.overseen_organizations(world.users["supervisor"]))}
    assert rows[world.branch.pk].ledger_missing == 2
    client = Client()
    client.force_login(world.users["supervisor"])
    client.get(reverse("archive:dashboard"))  # the first request of a session loads it
    # the organizations, their obligations, their voice figures (one union), the latest
    # evaluation, three for the ledger gaps, the trend
    with django_assert_num_queries(8):
        page = client.get(reverse("archive:dashboard")).content.decode()
    assert reverse("disclosure:ledger_list", args=[world.branch.code]) in page


def test_ledger_page_filters_and_pins_its_queries(world, item, django_assert_max_num_queries):
    for n in range(6):
        record_board(world, item, date=TODAY - dt.timedelta(days=n), uploads=[image()])
    services.ledger_record(organization=world.branch, actor=world.users["secretary"],
                           item=item, carrier="notice_board",
                           date=dt.date(TODAY.year - 1, 6, 1), board="旧公开栏")
    client = Client()
    client.force_login(world.users["supervisor"])
    url = reverse("disclosure:ledger_list", args=[world.branch.code])
    client.get(url)
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert page.status_code == 200 and len(page.context["page"].object_list) == 7
    filtered = client.get(url, {"year": TODAY.year - 1, "carrier": "notice_board",
                                "item": item.pk})
    assert [r.board for r in filtered.context["page"].object_list] == ["旧公开栏"]
    for n in range(6):
        record_board(world, item, date=TODAY - dt.timedelta(days=n), uploads=[image()])
    with django_assert_max_num_queries(14):
        client.get(url)


def verify_manifest(archive: zipfile.ZipFile) -> list[str]:
    """Check every line of MANIFEST.sha256 as ``sha256sum -c`` does; return the names."""
    names = []
    for line in archive.read("MANIFEST.sha256").decode("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
        names.append(name)
    return names


def test_exports_verify_and_leave_out_what_the_reader_may_not_see(world, item):
    record = record_board(world, item, uploads=[image(), image("JPEG", "=cmd.jpg")],
                          note="=HYPERLINK(\"x\")")
    obligation = Obligation.objects.create(
        entry=world.entries["periodic"], organization=world.branch, period_start=TODAY,
        period_end=TODAY, due_date=TODAY)
    hidden = services.ledger_record(
        organization=world.branch, actor=world.users["secretary"], obligation=obligation,
        carrier="document", date=TODAY, document_number="秘密文号", uploads=[pdf("秘密.pdf")])
    client = Client()
    client.force_login(world.users["secretary"])
    base = reverse("disclosure:ledger_export", args=[world.branch.code, "zip"])
    response = client.get(base, {"year": TODAY.year})
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = verify_manifest(archive)
    assert "manifest.csv" in names and "ledger.csv" in names
    assert len([n for n in names if n.startswith("evidence/")]) == 3
    manifest = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
    assert {row[0] for row in manifest[1:]} == {str(record.pk), str(hidden.pk)}
    xlsx = client.get(reverse("disclosure:ledger_export", args=[world.branch.code, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    assert any(str(value).startswith("'=HYPERLINK") for row in rows for value in row)
    member = Client()
    member.force_login(world.users["member"])
    mine = zipfile.ZipFile(io.BytesIO(member.get(base).content))
    verify_manifest(mine)
    text = b"".join(mine.read(name) for name in mine.namelist())
    assert "秘密".encode() not in text
    assert not [n for n in mine.namelist() if "秘密" in n]
    member_manifest = list(csv.reader(io.StringIO(mine.read("manifest.csv").decode())))
    assert {row[0] for row in member_manifest[1:]} == {str(record.pk)}
    member_rows = list(load_workbook(io.BytesIO(member.get(reverse(
        "disclosure:ledger_export", args=[world.branch.code, "xlsx"])).content)).active
        .iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in member_rows] == [record.pk]
    outsider = Client()
    outsider.force_login(world.users["other_member"])
    assert outsider.get(base).status_code == 404


def test_ledger_counts_per_carrier(world, item):
    record_board(world, item, uploads=[image(), image()])
    services.ledger_record(organization=world.branch, actor=world.users["secretary"],
                           item=item, carrier="notice_board", date=TODAY, board="二楼",
                           uploads=[image()])
    services.ledger_record(organization=world.branch, actor=world.users["secretary"],
                           item=item, carrier="notice_board",
                           date=dt.date(TODAY.year - 1, 3, 1), board="旧")
    counts = ledger_counts([world.branch.pk, world.other_branch.pk], TODAY.year)
    assert counts == {"notice_board": {"records": 2, "evidence": 3},
                      "meeting": {"records": 0, "evidence": 0},
                      "document": {"records": 0, "evidence": 0}}


@pytest.mark.parametrize("year", ["0", "-1", "1999", "10000", "99999999999999999999", "abc"])
def test_an_export_for_a_year_out_of_range_is_not_found(world, year):
    client = Client()
    client.force_login(world.users["secretary"])
    for fmt in ("xlsx", "zip"):
        assert client.get(f"/orgs/B1/ledger/export.{fmt}?year={year}").status_code == 404
