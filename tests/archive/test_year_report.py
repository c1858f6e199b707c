"""Year-end reports: figures over a subtree and a year, the Word (and PDF) document, the
draft → filed workflow into the archive chain, and who may see it."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from docx import Document

from archive import report_document, report_figures, report_services
from archive.models import ArchiveRecord, ReportFile, YearReport
from archive.services import compute_hash
from catalog.models import Category
from disclosure import services
from disclosure.models import DisclosureItem, DisclosureRequest, Obligation, State
from feedback import services as feedback_services
from feedback.models import Ballot, Campaign, EvaluationCode, Feedback, RectificationOrder
from portal.models import Role
from portal.workflow import TransitionError
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    """Render Word only, except in the test that asks for LibreOffice."""
    settings.YEAR_REPORT_PDF = False


def at(year: int, month: int = 3, day: int = 2) -> dt.datetime:
    return dt.datetime(year, month, day, 10, 0, tzinfo=timezone.get_current_timezone())


def built(world) -> None:
    """A hand-built year for the branch: every kind of figure, plus noise in another
    subtree and in last year that the branch's figures must not count."""
    sec, member, sup = (world.users[n] for n in ("secretary", "member", "supervisor"))
    world.item(State.INTERNAL, entry="internal")  # organization: within the party only
    world.item(State.INTERNAL, entry="internal")
    public = world.item(State.INTERNAL)
    world.walk_public(public)
    world.item(State.INTERNAL, org=world.other_branch)  # another subtree
    old = world.item(State.INTERNAL, entry="internal")
    DisclosureItem.objects.filter(pk=old.pk).update(internal_at=at(THIS_YEAR - 1))
    entry = world.entries["periodic"]
    for month, state in [(1, "on_time"), (2, "on_time"), (3, "late"), (4, "overdue"),
                         (5, "filed")]:
        day = dt.date(THIS_YEAR, month, 1)
        if day > timezone.localdate():
            day = timezone.localdate()
        Obligation.objects.create(entry=entry, organization=world.branch, period_start=day,
                                  period_end=day, due_date=day,
                                  state=state)
    for days, late in [(2, False), (6, True)]:
        DisclosureRequest.objects.create(
            organization=world.branch, applicant=member, subject="申请", state="applicant",
            submitted_at=at(THIS_YEAR), answered_at=at(THIS_YEAR) + dt.timedelta(days=days),
            due_date=(at(THIS_YEAR) + dt.timedelta(days=5)).date() if not late
            else at(THIS_YEAR).date())
    DisclosureRequest.objects.create(organization=world.branch, applicant=member,
                                     subject="待答复", submitted_at=at(THIS_YEAR),
                                     due_date=at(THIS_YEAR).date())
    Feedback.objects.create(organization=world.branch, body="意见一", state="replied",
                            received_at=at(THIS_YEAR), replied_at=at(THIS_YEAR, 3, 6),
                            due_date=dt.date(THIS_YEAR, 3, 10))
    Feedback.objects.create(organization=world.branch, body="意见二", state="rejected",
                            received_at=at(THIS_YEAR), due_date=dt.date(THIS_YEAR, 3, 10))
    Feedback.objects.create(organization=world.other_branch, body="别处", state="received",
                            received_at=at(THIS_YEAR), due_date=dt.date(THIS_YEAR, 3, 10))
    Feedback.objects.create(organization=world.branch, body="异议", is_objection=True,
                            item=public, state="replied", received_at=at(THIS_YEAR),
                            replied_at=at(THIS_YEAR, 3, 3), due_date=dt.date(THIS_YEAR, 3, 9))
    campaign = Campaign.objects.create(title="评议", period_label=str(THIS_YEAR))
    for voter, rating in [(member, "satisfied"), (sec, "fairly"), (sup, "unsatisfied"),
                          (world.users["reviewer"], "satisfied")]:
        Ballot.objects.create(campaign=campaign, organization=world.branch, voter=voter,
                              rating=rating, cast_at=at(THIS_YEAR))
    code = EvaluationCode.objects.create(campaign=campaign, code_hash="0" * 64,
                                         created_by=sec)
    Ballot.objects.create(campaign=campaign, organization=world.branch, code=code,
                          rating="satisfied", cast_at=at(THIS_YEAR))
    # The offline ledger: a notice-board posting with a photo, and a voided one.
    services.ledger_record(organization=world.branch, actor=sec, item=public,
                           carrier="notice_board", date=timezone.localdate(), board="公开栏",
                           uploads=[_photo()])
    voided = services.ledger_record(organization=world.branch, actor=sec, item=public,
                                    carrier="notice_board", date=timezone.localdate(),
                                    board="错登")
    services.ledger_void(record_id=voided.pk, actor=sec, reason="登记错误")
    # The supervision group: one inspection with a finding that opened an order.
    today = timezone.localdate()
    group = feedback_services.supervision_group_elect(
        organization=world.branch, actor=sec, meeting="党员大会", elected_on=today,
        term_start=today - dt.timedelta(days=1), term_end=today + dt.timedelta(days=900))
    inspector = MembershipFactory(user=UserFactory(username="inspector"),
                                  organization=world.branch, role=Role.MEMBER).user
    feedback_services.supervision_seat_add(group_id=group.pk, user=inspector, actor=sec,
                                           since=today - dt.timedelta(days=1), is_leader=True)
    inspection = feedback_services.inspection_record(
        group_id=group.pk, actor=inspector, inspected_on=today, scope=[world.branch],
        checked="检查公开栏更新情况")
    finding = feedback_services.inspection_add_finding(
        record_id=inspection.pk, actor=inspector, organization=world.branch,
        text="公开栏内容未按时更新")
    feedback_services.inspection_open_order(finding_id=finding.pk, actor=inspector,
                                            requirement="三日内更新公开栏",
                                            due_date=today + dt.timedelta(days=7))
    for due, closed in [(dt.date(THIS_YEAR, 3, 20), at(THIS_YEAR, 3, 10)),
                        (dt.date(THIS_YEAR, 3, 5), at(THIS_YEAR, 3, 10)),
                        (dt.date(THIS_YEAR, 1, 5), None)]:
        RectificationOrder.objects.create(
            organization=world.branch, finding="问题", due_date=due, ordered_by=sup,
            ordered_at=at(THIS_YEAR, 1, 2), state="closed" if closed else "ordered",
            closed_at=closed)


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("公开栏.png", buffer.getvalue(), content_type="image/png")


def test_figures_on_a_built_dataset(world):
    built(world)
    ids = report_figures.subtree_ids(world.branch)
    assert ids == [world.branch.pk]
    items = report_figures.items_by_category(ids, THIS_YEAR)
    assert (items["total"], items["party_only"], items["beyond"]) == (3, 2, 1)
    assert sum(row["total"] for row in items["by_category"].values()) == 3
    assert set(items["by_category"]) == set(Category.values)
    due = report_figures.on_time(ids, THIS_YEAR)
    assert (due["due"], due["on_time"], due["late"], due["overdue"], due["filed"]) == (
        5, 2, 1, 1, 1)
    assert due["rate"] == 50.0
    apps = report_figures.applications(ids, THIS_YEAR)
    assert (apps["total"], apps["answered"], apps["answered_late"], apps["pending"]) == (
        3, 2, 1, 1)
    assert (apps["average_days"], apps["longest_days"]) == (4.0, 6.0)
    fb = report_figures.feedback(ids, THIS_YEAR)
    assert (fb["total"], fb["replied"], fb["not_accepted"], fb["open"]) == (2, 1, 1, 0)
    assert fb["average_days"] == 4.0
    obj = report_figures.objections(ids, THIS_YEAR)
    assert (obj["total"], obj["items"], obj["replied"]) == (1, 1, 1)
    ev = report_figures.evaluation(ids, THIS_YEAR)
    assert ev["total"] == 5 and ev["by_rating"]["satisfied"] == 3 and ev["satisfaction"] == 80.0
    assert (ev["members"]["total"], ev["members"]["satisfaction"]) == (4, 75.0)
    assert (ev["residents"]["total"], ev["residents"]["satisfaction"]) == (1, 100.0)
    rect = report_figures.rectification(ids, THIS_YEAR)
    assert (rect["total"], rect["closed"], rect["closed_on_time"], rect["open"],
            rect["open_overdue"]) == (4, 2, 1, 2, 1)
    ledger = report_figures.ledger(ids, THIS_YEAR)
    assert ledger["notice_board"] == {"records": 1, "evidence": 1}
    assert ledger["meeting"] == ledger["document"] == {"records": 0, "evidence": 0}
    sup = report_figures.supervision(ids, THIS_YEAR)
    assert (sup["inspections"], sup["findings"], sup["orders_from_findings"]) == (1, 1, 1)
    assert report_figures.supervision(report_figures.subtree_ids(world.other_branch),
                                      THIS_YEAR)["inspections"] == 0
    # The general branch's subtree counts the other branch's item and feedback too.
    wider = report_figures.subtree_ids(world.general)
    assert report_figures.items_by_category(wider, THIS_YEAR)["total"] == 4
    assert report_figures.feedback(wider, THIS_YEAR)["total"] == 3


def test_figures_take_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    built(world)
    with django_assert_max_num_queries(19):  # 12 + the ledger (2) and supervision (5)
        report_figures.compute_figures(world.committee, THIS_YEAR)


def docx_text(report: YearReport) -> str:
    copy = report.files.get(kind=ReportFile.Kind.DOCX)
    with copy.file.open("rb") as handle:
        document = Document(io.BytesIO(handle.read()))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_generated_docx_holds_the_figures_and_the_prose(world):
    built(world)
    with translation.override("zh-hans"):
        report = report_services.report_generate(organization=world.branch, year=THIS_YEAR,
                                                 actor=world.users["secretary"])
    assert report.state == YearReport.State.DRAFT
    assert report.figures["items"]["total"] == 3 and "3" in report.overview
    text = docx_text(report)
    assert report.overview in text and report.problems in text
    assert "50.0%" in text and "80.0%" in text  # on-time rate, satisfaction
    assert "1 (100.0%)" in text and "4 (75.0%)" in text  # residents' and members' ballots
    assert "公开栏" in text and "监督小组" in text  # ledger per carrier, inspections
    copy = report.files.get(kind="docx")
    assert copy.sha256 == report.sha256
    document = Document(copy.file.path)
    assert len(document.inline_shapes) == 2  # the category chart and the ratings chart
    assert not report.files.filter(kind="pdf").exists()


def test_editing_keeps_history_and_regenerates_the_document(world, client):
    report = report_services.report_generate(organization=world.branch, year=THIS_YEAR,
                                             actor=world.users["secretary"])
    before = report.sha256
    client.force_login(world.users["secretary"])
    response = client.post(f"/reports/{report.pk}/edit/", {
        "overview": "今年共公开事项若干。", "practices": "坚持公开栏与网站同步。",
        "problems": "", "plans": "明年继续。"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.practices == "坚持公开栏与网站同步。" and report.problems == "无"
    assert report.sha256 != before and "坚持公开栏与网站同步。" in docx_text(report)
    assert report.history.count() >= 2
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "已修改" in page and "坚持公开栏与网站同步。" in page  # the history names the edit


def test_an_empty_year_gives_an_empty_but_correct_report(world):
    report = report_services.report_generate(organization=world.branch, year=THIS_YEAR - 3,
                                             actor=world.users["secretary"])
    assert report_figures.is_empty(report.figures)
    assert [report.overview, report.practices, report.problems, report.plans] == ["无"] * 4
    assert report.figures["on_time"]["rate"] is None
    text = docx_text(report)
    assert "No offline records" in text or "无线下公开记录" in text
    assert len(Document(report.files.get().file.path).inline_shapes) == 0


def test_a_future_year_is_refused_with_a_clear_message(world, client):
    with pytest.raises(ValidationError):
        report_services.report_generate(organization=world.branch, year=THIS_YEAR + 1,
                                        actor=world.users["secretary"])
    client.force_login(world.users["secretary"])
    response = client.post("/reports/new/", {"organization": "B1", "year": THIS_YEAR + 1})
    page = response.content.decode()
    assert response.status_code == 200 and f"{THIS_YEAR + 1}年尚未开始" in page
    assert not YearReport.objects.exists() and not ReportFile.objects.exists()


def test_only_the_organization_generates_and_only_once(world):
    with pytest.raises(PermissionDenied):
        report_services.report_generate(organization=world.branch, year=THIS_YEAR,
                                        actor=world.users["supervisor"])
    report_services.report_generate(organization=world.branch, year=THIS_YEAR,
                                    actor=world.users["secretary"])
    with pytest.raises(ValidationError):
        report_services.report_generate(organization=world.branch, year=THIS_YEAR,
                                        actor=world.users["secretary"])


def verify() -> str:
    out = io.StringIO()
    try:
        with translation.override("en"):
            call_command("verify_archive", stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return f"FAIL {error}"
    return out.getvalue()


def test_filing_puts_it_in_the_chain_and_a_changed_file_is_detected(world):
    sec = world.users["secretary"]
    item = world.item(State.INTERNAL, attachment=b"a")
    from archive import services

    services.archive_item(item_id=item.pk, actor=sec)
    report = report_services.report_generate(organization=world.branch, year=THIS_YEAR,
                                             actor=sec)
    report_services.report_file(report_id=report.pk, actor=sec)
    report.refresh_from_db()
    assert report.state == YearReport.State.FILED and report.filed_by == sec
    record = ArchiveRecord.objects.get(report=report)
    assert record.sequence == 2 and record.record_hash == compute_hash(record)
    assert record.archive_number == f"B1-{THIS_YEAR}-ZJ-0001"
    assert record.snapshot["digest"] == report.sha256
    assert record.files.get().sha256 == report.sha256
    assert "FAIL" not in verify()
    with pytest.raises(TransitionError):  # filing twice
        report_services.report_file(report_id=report.pk, actor=sec)
    with pytest.raises(TransitionError):  # frozen
        report_services.report_edit(report_id=report.pk, actor=sec, overview="改")
    path = record.files.get().file.path
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    with open(path, "ab") as handle:
        handle.write(b"forged")
    said = verify()
    assert said.startswith("FAIL") and record.archive_number in said and "was changed" in said


def test_a_changed_draft_document_is_not_filed(world):
    sec = world.users["secretary"]
    report = report_services.report_generate(organization=world.branch, year=THIS_YEAR,
                                             actor=sec)
    with open(report.files.get().file.path, "ab") as handle:
        handle.write(b"x")
    with pytest.raises(TransitionError):
        report_services.report_file(report_id=report.pk, actor=sec)
    assert not ArchiveRecord.objects.exists()


def test_visibility_per_role(world, client):
    report = report_services.report_generate(organization=world.branch, year=THIS_YEAR,
                                             actor=world.users["secretary"])
    pages = [f"/reports/{report.pk}/", f"/reports/{report.pk}/download.docx"]
    for name in ("secretary", "supervisor", "reviewer"):
        client.force_login(world.users[name])
        for url in pages:
            assert client.get(url).status_code == 200, (name, url)
        assert report.title in client.get("/reports/").content.decode()
    for name in ("member", "other_secretary", "other_member", "branch_supervisor",
                 "committee_reviewer", "outsider"):
        client.force_login(world.users[name])
        for url in [*pages, f"/reports/{report.pk}/edit/"]:
            assert client.get(url).status_code == 404, (name, url)
        assert client.post(f"/reports/{report.pk}/file/").status_code == 404, name
    # Readers read; only the organization's secretaries act.
    client.force_login(world.users["supervisor"])
    assert client.get(f"/reports/{report.pk}/edit/").status_code == 404
    client.post(f"/reports/{report.pk}/file/")
    assert YearReport.objects.get().state == YearReport.State.DRAFT
    client.force_login(world.users["secretary"])
    assert client.post(f"/reports/{report.pk}/file/").status_code == 302
    assert YearReport.objects.get().state == YearReport.State.FILED
    record = ArchiveRecord.objects.get()
    client.force_login(world.users["supervisor"])
    assert client.get(f"/archive/{record.archive_number}/").status_code == 200
    client.force_login(world.users["member"])
    assert client.get(f"/archive/{record.archive_number}/").status_code == 404


def test_report_pages_through_the_browser_flow(world, client, django_assert_max_num_queries):
    client.force_login(world.users["secretary"])
    response = client.post("/reports/new/", {"organization": "B1", "year": THIS_YEAR})
    report = YearReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "download.docx" in page and f"/reports/{report.pk}/file/" in page
    assert client.post(f"/reports/{report.pk}/refresh/").status_code == 302
    for year in range(THIS_YEAR - 4, THIS_YEAR):
        report_services.report_generate(organization=world.branch, year=year,
                                        actor=world.users["secretary"])
    with django_assert_max_num_queries(12):
        assert client.get("/reports/").status_code == 200
    assert client.get("/reports/?year=1999").status_code == 200


@pytest.mark.slow
@pytest.mark.skipif(report_document.soffice() is None, reason="LibreOffice is not installed")
def test_the_pdf_rendering_starts_like_a_pdf(world, settings):
    settings.YEAR_REPORT_PDF = True
    built(world)
    report = report_services.report_generate(organization=world.branch, year=THIS_YEAR,
                                             actor=world.users["secretary"])
    copy = report.files.get(kind=ReportFile.Kind.PDF)
    with copy.file.open("rb") as handle:
        assert handle.read(4) == b"%PDF"
