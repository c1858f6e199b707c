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

from archive import services as archive_services
from disclosure import services
from disclosure.models import Obligation, State
from feedback import services as feedback_services
from feedback.models import Campaign
from portal import permissions, workflow
from portal.models import Notification

from .factories import UserFactory

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
    return [secret, draft, public, secret.attachments.get(), secret.reviews.first(), record,
            record.files.get(),
            obligation, filing, request, change, plan, feedback, objection, order, campaign,
            world.branch, note, drafting]


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
LIST_PAGES = ["/", "/items/", "/items/?q=内部事项", "/items/?q=草稿", "/mine/", "/workspace/",
              "/review/", "/changes/", "/requests/", "/feedback/inbox/", "/feedback/mine/",
              "/feedback/inbox/?kind=objection",
              "/rectification/", "/evaluation/", "/archive/", "/archive/export.csv",
              "/supervision/", "/notifications/", "/feeds/items.atom", "/api/v1/items/",
              "/api/v1/items/?q=内部事项", "/items/export.csv", "/archive/?q=归档",
              "/orgs/B1/catalog/", "/orgs/C/catalog/?subtree=1"]


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
