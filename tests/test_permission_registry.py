"""The permission registry covers every kind of record, and the leak and IDOR sweeps iterate
over it: for every registered kind, as every role, the check and its queryset twin agree,
the record's page answers 404 exactly when the check says no, and no list page shows the
marker of a record the reader may not see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from archive import report_services
from archive import services as archive_services
from archive.models import ArchiveRecord
from disclosure import services
from disclosure.models import Obligation, State
from feedback import services as feedback_services
from feedback.models import Campaign
from portal import permissions, workflow
from portal.models import Notification, Role

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
APPS = ("portal", "catalog", "disclosure", "feedback", "archive")
MARK = "标记QZ"


def portal_models():
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical") or issubclass(
                    model, UserObjectPermissionBase | GroupObjectPermissionBase):
                continue
            yield model


def test_every_model_is_registered_or_declared_internal():
    known = {rules.model for rules in permissions.registered()} | set(
        permissions.internal_models())
    missing = [model.__name__ for model in portal_models() if model not in known]
    assert not missing, f"register these in their app's permission module: {missing}"


def test_every_rule_a_transition_table_names_has_a_home():
    for model in portal_models():
        flow = getattr(model, "workflow", None)
        if flow is None:
            continue
        rules = permissions.rules_for(model).rules
        for action, step in flow.steps.items():
            assert not step.rule or step.rule in rules, (model.__name__, action, step.rule)


def samples(world) -> list:
    """Make one record of every registered kind, each with a marker where it has text."""
    sec, member = world.users["secretary"], world.users["member"]
    secret = world.item(State.INTERNAL, title=f"{MARK}内部事项", attachment=b"x")
    secret.attachments.update(original_name=f"{MARK}附件.txt")
    draft = world.item(State.DRAFT, title=f"{MARK}草稿")
    public = world.item(State.PUBLIC, title="公开事项")
    archived = world.item(State.INTERNAL, title=f"{MARK}归档", attachment=b"y")
    record = archive_services.archive_item(item_id=archived.pk, actor=sec)
    start = dt.date(2001, 1, 1)
    obligation = Obligation.objects.create(
        entry=world.entries["periodic"], organization=world.branch, period_start=start,
        period_end=start, due_date=start)
    filing = services.filing_submit(obligation_id=obligation.pk, actor=sec,
                                    reason=f"{MARK}暂不公开理由", condition=f"{MARK}审查结束后")
    request = services.request_submit(organization=world.branch, applicant=member,
                                      subject="申请公开事项", reason=f"{MARK}申请理由")
    change = services.change_submit(item_id=secret.pk, actor=sec, kind="withdraw",
                                    explanation=f"{MARK}撤销说明")
    plan = services.workplan_submit(organization=world.branch, actor=sec, title=f"{MARK}计划",
                                    plan="目录外事项的工作方案说明", category="other",
                                    public_audience="none")
    feedback = feedback_services.feedback_submit(organization=world.branch, item=None,
                                                 author=member, body=f"{MARK}内部意见")
    publicity = world.item(State.PUBLIC, entry="timely", title="发展党员公示")
    objection = feedback_services.feedback_submit(
        organization=world.branch, item=publicity, author=member, body=f"{MARK}异议",
        objection=True)
    order = feedback_services.rectification_order(
        organization=world.branch, actor=world.users["supervisor"], finding=f"{MARK}问题",
        requirement="", due_date=timezone.localdate() + dt.timedelta(days=5))
    campaign = Campaign.objects.create(title=f"{MARK}评议", period_label="2026")
    campaign.organizations.set([world.branch])
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    feedback_services.campaign_open(campaign_id=campaign.pk, actor=admin)
    feedback_services.campaign_close(campaign_id=campaign.pk, actor=admin)
    campaign.refresh_from_db()
    note = Notification.objects.filter(recipient=sec).first()
    # An application answered by a new matter still in draft: the draft stays hidden.
    drafting = services.request_submit(organization=world.branch, applicant=member,
                                       subject=f"{MARK}申请新事项")
    services.request_draft(request_id=drafting.pk, actor=sec, entry=world.entries["public"],
                           reach="applicant")
    posting = services.ledger_record(
        organization=world.branch, actor=sec, item=secret, carrier="notice_board",
        date=timezone.localdate(), board=f"{MARK}公开栏", uploads=[_photo()])
    kept_back = services.ledger_record(
        organization=world.branch, actor=sec, obligation=obligation, carrier="document",
        date=timezone.localdate(), document_number=f"{MARK}文号")
    year = timezone.localdate().year
    promise = feedback_services.commitment_draft(
        organization=world.branch, actor=sec, year=year, text=f"{MARK}党员范围承诺",
        audience="members")
    feedback_services.commitment_publish(commitment_id=promise.pk, actor=sec)
    promise.refresh_from_db()
    draft_promise = feedback_services.commitment_draft(
        organization=world.branch, actor=sec, year=year - 1, text=f"{MARK}承诺草稿")
    shown = feedback_services.leader_comment_record(
        organization=world.branch, actor=world.users["reviewer"], year=year,
        text=f"{MARK}随承诺公开的点评", publish=True)
    kept = feedback_services.leader_comment_record(
        organization=world.branch, actor=world.users["reviewer"], year=year,
        text=f"{MARK}不公开的点评")
    # Year-end reports of the branch: a draft, and a filed one with its archive record.
    year = timezone.localdate().year
    report = report_services.report_generate(organization=world.branch, year=year, actor=sec,
                                             pdf=False)
    report_services.report_edit(report_id=report.pk, actor=sec, pdf=False,
                                overview=f"{MARK}总体情况")
    filed = report_services.report_generate(organization=world.branch, year=year - 1,
                                            actor=sec, pdf=False)
    report_services.report_edit(report_id=filed.pk, actor=sec, pdf=False,
                                problems=f"{MARK}存在问题")
    report_services.report_file(report_id=filed.pk, actor=sec)
    report_record = ArchiveRecord.objects.get(report=filed)
    return [secret, draft, public, secret.attachments.get(), secret.reviews.first(), record,
            record.files.get(),
            obligation, filing, request, change, plan, feedback, objection, order, campaign,
            world.branch, note, drafting, posting, posting.evidence.get(), kept_back,
            promise, draft_promise, shown, kept, report, report.files.get(), report_record,
            report_record.files.get(), *supervision_samples(world, order),
            _role_grant(world), _staff_grant(world)]


def _staff_grant(world):
    """Superuser rights for the branch's member, asked for by the site's superuser."""
    from portal.grants import staff_request
    from portal.models import User

    return staff_request(user=world.users["member"], right="superuser",
                         actor=User.objects.get(username="admin"))


def _role_grant(world):
    """A supervisor role for the branch's member, asked for in the admin."""
    from portal.grants import grant_request
    from portal.models import User

    return grant_request(user=world.users["member"], organization=world.general,
                         role=Role.SUPERVISOR, actor=User.objects.get(username="admin"))


def supervision_samples(world, order) -> list:
    """A supervision group with a sitting member, its plan, a record published to the
    branch's members, evidence on an order, and a declared relative."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from feedback.models import InspectionRecord

    sec, today = world.users["secretary"], timezone.localdate()
    group = feedback_services.supervision_group_elect(
        organization=world.branch, actor=sec, meeting="党员大会", elected_on=today,
        term_start=today - dt.timedelta(days=1), term_end=today + dt.timedelta(days=900))
    inspector = MembershipFactory(user=UserFactory(username="inspector"),
                                  organization=world.branch, role=Role.MEMBER).user
    feedback_services.supervision_seat_add(group_id=group.pk, user=inspector, actor=sec,
                                           since=today - dt.timedelta(days=1), is_leader=True)
    plan = feedback_services.inspection_plan(
        group_id=group.pk, actor=inspector, year=today.year, period="", scope=[world.branch],
        subject=f"{MARK}检查计划", planned_start=today, planned_end=today)
    inspection = feedback_services.inspection_record(
        group_id=group.pk, actor=inspector, inspected_on=today, scope=[world.branch],
        checked=f"{MARK}检查内容")
    feedback_services.inspection_publish(record_id=inspection.pk, actor=inspector,
                                         audience=InspectionRecord.Audience.MEMBERS)
    inspection.refresh_from_db()
    evidence = feedback_services.rectification_evidence_add(
        order_id=order.pk, actor=sec, upload=SimpleUploadedFile("照片.png", _png()))
    declaration = feedback_services.relative_declare(
        organization=world.branch, person=world.users["member"],
        relative=world.users["other_member"], relation="sibling", actor=sec)
    return [group, plan, inspection, evidence, declaration]


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    return out.getvalue()


def _photo():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(buffer, "PNG")
    return SimpleUploadedFile(f"{MARK}.png", buffer.getvalue(), content_type="image/png")


def roles(world) -> dict:
    from portal.models import User

    return {"anonymous": AnonymousUser(), **world.users,
            "admin": User.objects.get(username="admin")}


def test_samples_cover_every_registered_kind(world):
    made = {type(obj) for obj in samples(world)}
    assert made >= {rules.model for rules in permissions.registered()}


def test_check_and_queryset_twin_agree_for_every_kind_and_role(world):
    records = samples(world)
    for name, user in roles(world).items():
        for obj in records:
            rules = permissions.rules_for(type(obj))
            check = rules.can_view(user, obj)
            listed = rules.visible(user).filter(pk=obj.pk).exists()
            assert check == listed, (name, type(obj).__name__, check, listed)


def test_record_pages_answer_404_exactly_when_hidden(world):
    records = samples(world)
    for name, user in roles(world).items():
        client = Client()
        if name != "anonymous":
            client.force_login(user)
        for obj in records:
            rules = permissions.rules_for(type(obj))
            if rules.url is None:
                continue
            state = client.get(rules.url(obj)).status_code
            if rules.can_view(user, obj):
                assert state in (200, 302), (name, type(obj).__name__, state)
            elif name == "anonymous" and state == 302:
                continue  # pages behind the login send anonymous visitors to it
            else:
                assert state == 404, (name, type(obj).__name__, state)


# Searches ask for words of the marked titles, never the marker itself (pages echo queries).
LIST_PAGES = ["/", "/todo/", "/items/", "/items/?q=内部事项", "/items/?q=草稿", "/mine/",
              "/workspace/",
              "/review/", "/changes/", "/requests/", "/feedback/inbox/", "/feedback/mine/",
              "/feedback/inbox/?kind=objection",
              "/rectification/", "/evaluation/", "/commitments/", "/commitments/?all=1",
              "/archive/", "/archive/export.csv",
              "/supervision/", "/supervision/rollout/", "/supervision/rollout/?format=csv",
              "/supervision-groups/", "/inspections/", "/inspections/plans/",
              "/supervision-groups/relatives/", "/notifications/", "/feeds/items.atom",
              "/api/v1/items/", "/api/v1/items/?q=内部事项", "/items/export.csv",
              "/archive/?q=归档",
              "/orgs/B1/ledger/", "/reports/", "/orgs/B1/catalog/",
              "/orgs/C/catalog/?subtree=1"]


def marked(obj) -> bool:
    return any(MARK in str(getattr(obj, field.attname, ""))
               for field in obj._meta.concrete_fields)


def test_no_list_page_shows_a_record_its_reader_may_not_see(world):
    records = [obj for obj in samples(world) if marked(obj)]
    checked = set()
    for name, user in roles(world).items():
        if any(permissions.can_view(user, obj) for obj in records):
            continue  # readers of a marked record: the twin test covers what they see
        checked.add(name)
        client = Client()
        if name != "anonymous":
            client.force_login(user)
        for url in LIST_PAGES:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else (
                response.content)
            assert MARK.encode() not in body, (name, url)
    assert checked >= {"anonymous", "outsider", "other_member", "other_secretary"}


def test_outsiders_see_no_marked_record_and_members_see_theirs(world):
    records = samples(world)
    outsider = world.users["outsider"]
    assert not any(permissions.can_view(outsider, obj) for obj in records if marked(obj))
    assert permissions.can_view(world.users["member"], records[0])


def test_available_actions_follow_the_table_and_the_rules(world):
    item = world.item(State.DRAFT)
    assert workflow.available_actions(world.users["secretary"], item) == {
        "edit", "discard", "submit"}
    assert workflow.available_actions(world.users["member"], item) == set()
    assert workflow.available_actions(world.users["reviewer"], item) == set()
    services.item_submit(item_id=item.pk, actor=world.users["secretary"])
    item.refresh_from_db()
    assert workflow.available_actions(world.users["reviewer"], item) == {"approve", "return"}
    assert workflow.available_actions(world.users["secretary"], item) == set()
