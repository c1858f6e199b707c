"""The four answers to an application for disclosure (依申请公开): a new matter drafted for
it (to the applicant alone or to a range), an item already published, a deferral (暂缓公开)
that lapses on its date, and a refusal; an answer to an application that no longer awaits
one is refused and changes nothing; every answer is filed with the reviewers of the
organization's work, the top committee's with its own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from disclosure import services, tasks
from disclosure.models import (
    DisclosureItem,
    DisclosureItemUserObjectPermission,
    DisclosureRequest,
    State,
)
from disclosure.permissions import answers_filed_with
from disclosure.visibility import can_view, visible_items
from portal import deadlines
from portal.calendar import add_working_days
from portal.models import Event, Notification, Reminder, User
from portal.notifications import render
from portal.workflow import TransitionError

pytestmark = pytest.mark.django_db
Request = DisclosureRequest
TODAY = timezone.localdate


def fresh(user: User) -> User:
    """The same person with their rights read anew (they are read once per object)."""
    return User.objects.get(pk=user.pk)


def kinds_for(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def snapshot(request: Request) -> tuple:
    """What an answer would change: the row, its events and the notifications."""
    request.refresh_from_db()
    return (request.state, request.answer, request.item_id, request.deferred_until,
            request.deferral_reason, request.answered_at, request.due_date,
            Event.objects.filter(object_id=request.pk).count(), Notification.objects.count(),
            DisclosureItem.objects.count())


@pytest.fixture
def to_general(world):
    """A branch member applies to the general branch above it; its secretary answers and
    the committee's reviewers review its work."""
    request = services.request_submit(organization=world.general,
                                      applicant=world.users["member"],
                                      subject="申请公开总支QX7专项经费使用情况")
    return request, world._secretary_of(world.general)


def review_and_publish(world, item: DisclosureItem, secretary: User) -> None:
    reviewer = (world.users["reviewer"] if item.organization.parent == world.general
                else world.users["committee_reviewer"])
    services.item_update(item_id=item.pk, actor=secretary, body="经费使用明细：……")
    services.item_submit(item_id=item.pk, actor=secretary)
    services.item_approve(item_id=item.pk, actor=reviewer, confidentiality_checked=True)
    services.item_publish_internal(item_id=item.pk, actor=secretary)
    item.refresh_from_db()


def test_a_new_matter_for_the_applicant_alone_reaches_them_only_once_published(
        world, to_general):
    request, sec = to_general
    applicant = world.users["member"]
    item = services.request_draft(request_id=request.pk, actor=sec,
                                  entry=world.entries["public"], reach="applicant")
    request.refresh_from_db()
    assert (request.state, request.item) == (Request.State.DISCLOSING, item)
    assert item.title == request.subject and item.organization == world.general
    assert (item.party_audience, item.range_leadership, item.range_cadres,
            item.public_audience) == ("range", False, False, "none")
    assert not item.range_organizations.exists()

    others = [world.users[n] for n in ("other_member", "outsider", "secretary",
                                       "committee_member")]
    client = Client()
    client.force_login(applicant)
    for state in (State.DRAFT, State.SUBMITTED, State.APPROVED):
        if state == State.SUBMITTED:
            services.item_update(item_id=item.pk, actor=sec, body="经费使用明细：……")
            services.item_submit(item_id=item.pk, actor=sec)
        if state == State.APPROVED:
            services.item_approve(item_id=item.pk, actor=world.users["committee_reviewer"],
                                  confidentiality_checked=True)
        item.refresh_from_db()
        assert item.state == state
        assert not can_view(fresh(applicant), item)
        assert client.get(f"/items/{item.pk}/").status_code == 404
        page = client.get(f"/requests/{request.pk}/").content.decode()
        assert f"/items/{item.pk}/" not in page
        assert "QX7" not in client.get("/items/").content.decode()
        assert not Request.objects.get(pk=request.pk).is_answered
        assert not DisclosureItemUserObjectPermission.objects.filter(
            content_object=item).exists()  # no grant before publication

    services.item_publish_internal(item_id=item.pk, actor=sec)
    item.refresh_from_db()
    request.refresh_from_db()
    assert request.state == Request.State.DISCLOSED_TO_APPLICANT
    assert (request.answered_by, request.answered_at is not None) == (sec, True)
    applicant = fresh(applicant)
    assert can_view(applicant, item) and item in visible_items(applicant)
    assert client.get(f"/items/{item.pk}/").status_code == 200
    assert f"/items/{item.pk}/" in client.get(f"/requests/{request.pk}/").content.decode()
    for other in others:
        assert not can_view(fresh(other), item), other
    assert "request.answered" in kinds_for(applicant)
    assert "request.filed" in kinds_for(world.users["committee_reviewer"])
    assert request in answers_filed_with(world.users["committee_reviewer"])


def test_the_applicant_alone_draft_can_be_edited_and_stays_within_the_party(world, to_general):
    request, sec = to_general
    item = services.request_draft(request_id=request.pk, actor=sec,
                                  entry=world.entries["public"], reach="applicant")
    client = Client()
    client.force_login(sec)
    edited = client.post(f"/items/{item.pk}/edit/", {
        "title": "总支专项经费使用情况", "body": "明细", "party_audience": "range",
        "public_audience": "none"})
    assert edited.status_code == 302
    with pytest.raises(ValidationError) as refused:
        services.item_update(item_id=item.pk, actor=sec, public_audience="society")
    assert "public_audience" in refused.value.error_dict
    item.refresh_from_db()
    assert (item.title, item.public_audience) == ("总支专项经费使用情况", "none")
    # Only an item answering an application may name no one.
    with pytest.raises(ValidationError):
        services.item_create(organization=world.general, entry=world.entries["public"],
                             actor=sec, title="无人可见的事项", body="正文",
                             party_audience="range", public_audience="none")


def test_a_new_matter_for_a_range_reaches_the_range_and_not_the_applicant_outside_it(
        world):
    applicant, sec = world.users["member"], world.users["secretary"]
    request = services.request_submit(organization=world.branch, applicant=applicant,
                                      subject="申请向第二支部党员公开共建经费")
    with pytest.raises(ValidationError):  # a range must name someone
        services.request_draft(request_id=request.pk, actor=sec,
                               entry=world.entries["public"], reach="range")
    assert Request.objects.get(pk=request.pk).state == Request.State.SUBMITTED
    assert not DisclosureItem.objects.exists()
    item = services.request_draft(request_id=request.pk, actor=sec,
                                  entry=world.entries["public"], reach="range",
                                  range_organizations=[world.other_branch])
    assert not can_view(fresh(world.users["other_member"]), item)
    review_and_publish(world, item, sec)
    request.refresh_from_db()
    assert request.state == Request.State.DISCLOSED_TO_SCOPE
    assert can_view(fresh(world.users["other_member"]), item)
    assert not can_view(fresh(applicant), item)  # outside the range: no grant
    assert not can_view(fresh(world.users["outsider"]), item)
    assert "request.answered" in kinds_for(applicant)
    client = Client()
    client.force_login(applicant)
    assert f"/items/{item.pk}/" not in client.get(f"/requests/{request.pk}/").content.decode()


def test_drafting_is_refused_for_an_entry_that_does_not_apply_and_changes_nothing(world):
    from tests.factories import CatalogEntryFactory, CatalogFactory, OrganizationFactory

    elsewhere = CatalogEntryFactory(catalog=CatalogFactory(issuer=OrganizationFactory()))
    request = services.request_submit(organization=world.branch,
                                      applicant=world.users["member"], subject="申请公开事项")
    before = snapshot(request)
    with pytest.raises(TransitionError):
        services.request_draft(request_id=request.pk, actor=world.users["secretary"],
                               entry=elsewhere, reach="applicant")
    assert snapshot(request) == before


def test_discarding_the_draft_reopens_the_application(world):
    request = services.request_submit(organization=world.branch,
                                      applicant=world.users["member"], subject="申请公开事项")
    sec = world.users["secretary"]
    item = services.request_draft(request_id=request.pk, actor=sec,
                                  entry=world.entries["public"], reach="organization")
    services.item_discard(item_id=item.pk, actor=sec)
    request.refresh_from_db()
    assert (request.state, request.item) == (Request.State.SUBMITTED, None)
    assert not DisclosureItem.objects.filter(pk=item.pk).exists()
    services.request_answer(request_id=request.pk, actor=sec, decision="declined",
                            answer="经研究，不予公开。")


def test_the_draft_page_starts_the_draft_and_goes_on_to_write_it(world):
    request = services.request_submit(organization=world.branch,
                                      applicant=world.users["member"], subject="申请公开事项")
    client = Client()
    client.force_login(world.users["secretary"])
    page = client.get(f"/requests/{request.pk}/")
    assert page.context["draft_form"] is not None
    response = client.post(f"/requests/{request.pk}/draft/", {
        "entry": world.entries["public"].pk, "reach": "subtree"})
    item = DisclosureItem.objects.get()
    assert response.url == f"/items/{item.pk}/edit/"
    assert item.party_audience == "subtree"
    # The application is being answered: a second draft is refused, with the reason.
    again = client.post(f"/requests/{request.pk}/draft/", {
        "entry": world.entries["public"].pk, "reach": "applicant"})
    assert again.status_code == 200
    assert "Disclosure being drafted" in again.content.decode() or (
        "起草" in again.content.decode())
    assert DisclosureItem.objects.count() == 1
    member = Client()
    member.force_login(world.users["member"])
    assert member.post(f"/requests/{request.pk}/draft/", {
        "entry": world.entries["public"].pk, "reach": "applicant"}).status_code == 404


def test_deferral_needs_a_future_date_and_a_reason(world):
    request = services.request_submit(organization=world.branch,
                                      applicant=world.users["member"], subject="申请公开事项")
    sec = world.users["secretary"]
    before = snapshot(request)
    for until, reason, field in ((None, "正在审计", "deferred_until"),
                                 (TODAY(), "正在审计", "deferred_until"),
                                 (TODAY() - dt.timedelta(days=3), "正在审计", "deferred_until"),
                                 (TODAY() + dt.timedelta(days=30), " ", "answer")):
        with pytest.raises(ValidationError) as refused:
            services.request_answer(request_id=request.pk, actor=sec, decision="deferred",
                                    answer=reason, deferred_until=until)
        assert field in refused.value.error_dict
        assert snapshot(request) == before
    client = Client()
    client.force_login(sec)
    page = client.post(f"/requests/{request.pk}/", {"decision": "deferred",
                                                   "answer": "正在审计"})
    assert page.status_code == 200 and page.context["answer_form"].errors["deferred_until"]
    assert snapshot(request) == before


def test_a_deferral_is_told_filed_and_lapses_once_on_its_date(world):
    applicant, sec = world.users["member"], world.users["secretary"]
    request = services.request_submit(organization=world.branch, applicant=applicant,
                                      subject="申请公开审计整改情况")
    until = TODAY() + dt.timedelta(days=20)
    services.request_answer(request_id=request.pk, actor=sec, decision="deferred",
                            answer="审计尚未结束，结束后公开。", deferred_until=until)
    request.refresh_from_db()
    assert (request.state, request.deferred_until) == (Request.State.DEFERRED, until)
    assert request.deferral_reason == "审计尚未结束，结束后公开。"
    told = Notification.objects.get(recipient=applicant, kind="request.deferred")
    assert "审计尚未结束" in render(told, "zh-hans").body
    assert request in answers_filed_with(world.users["reviewer"])
    assert "request.filed" in kinds_for(world.users["reviewer"])

    # Deferred, it is no longer due: no reminders, and no second answer yet.
    deadlines.run_reminders(request.due_date + dt.timedelta(days=30), names=["request"])
    assert not Reminder.objects.filter(source="request", target_id=request.pk).exists()
    before = snapshot(request)
    with pytest.raises(TransitionError):
        services.request_answer(request_id=request.pk, actor=sec, decision="declined",
                                answer="不予公开")
    with pytest.raises(TransitionError):
        services.request_draft(request_id=request.pk, actor=sec,
                               entry=world.entries["public"], reach="applicant")
    assert snapshot(request) == before

    assert services.resume_deferred_requests(today=until - dt.timedelta(days=1)) == 0
    assert snapshot(request) == before
    # The date has come: the daily task makes it due again, once however often it runs.
    Request.objects.filter(pk=request.pk).update(deferred_until=TODAY())
    assert tasks.resume_deferred_requests.apply().get() == 1
    assert tasks.resume_deferred_requests.apply().get() == 0
    request.refresh_from_db()
    assert request.state == Request.State.SUBMITTED and request.answered_at is None
    assert request.due_date == add_working_days(TODAY(), settings.REQUEST_ANSWER_DAYS)
    assert kinds_for(sec).count("request.due_again") == 1
    assert kinds_for(world.users["committee_member"]).count("request.due_again") == 1
    assert request not in answers_filed_with(world.users["reviewer"])

    # Deferred, then answered: a further answer is refused and changes nothing.
    published = world.item(State.INTERNAL, org=world.general)  # not the member's to read
    services.request_answer(request_id=request.pk, actor=sec, decision="declined",
                            answer="经研究，不予公开。")
    before = snapshot(request)
    for decision in ("declined", "deferred", "applicant"):
        with pytest.raises(TransitionError):
            services.request_answer(request_id=request.pk, actor=sec, decision=decision,
                                    answer="另一答复", deferred_until=until, item=published)
    with pytest.raises(TransitionError):
        services.request_draft(request_id=request.pk, actor=sec,
                               entry=world.entries["public"], reach="applicant")
    assert snapshot(request) == before
    assert request.answer == "经研究，不予公开。"
    assert not can_view(fresh(applicant), published)
    assert request in answers_filed_with(world.users["reviewer"])


def test_answered_applications_refuse_every_answer_from_the_page(world):
    request = services.request_submit(organization=world.branch,
                                      applicant=world.users["member"], subject="申请公开事项")
    sec = world.users["secretary"]
    services.request_answer(request_id=request.pk, actor=sec, decision="declined",
                            answer="不予公开。")
    before = snapshot(request)
    client = Client()
    client.force_login(sec)
    for url, data in (
            (f"/requests/{request.pk}/", {"decision": "deferred", "answer": "暂缓",
                                          "deferred_until": TODAY() + dt.timedelta(days=9)}),
            (f"/requests/{request.pk}/draft/", {"entry": world.entries["public"].pk,
                                                "reach": "applicant"})):
        page = client.post(url, data)
        assert page.status_code == 200
        text = page.content.decode()
        assert "no longer awaiting an answer" in text or "不在待答复状态" in text
        assert page.context["answer_form"] is None and page.context["draft_form"] is None
    assert snapshot(request) == before


def test_every_answer_is_filed_with_the_reviewers_of_the_work_the_top_committee_included(
        world):
    # The branch's answers go to the general branch's reviewers.
    branch_request = services.request_submit(organization=world.branch,
                                             applicant=world.users["member"],
                                             subject="申请公开支部事项")
    # The top committee's go to its own reviewers (a committee member applies to it).
    applicant = world.users["supervisor"]
    top_request = services.request_submit(organization=world.committee, applicant=applicant,
                                          subject="申请公开党委事项")
    top_secretary = world._secretary_of(world.committee)
    services.request_answer(request_id=branch_request.pk, actor=world.users["secretary"],
                            decision="declined", answer="不予公开。")
    services.request_answer(request_id=top_request.pk, actor=top_secretary,
                            decision="deferred", answer="正在研究。",
                            deferred_until=TODAY() + dt.timedelta(days=10))
    reviewer, top_reviewer = world.users["reviewer"], world.users["committee_reviewer"]
    assert list(answers_filed_with(reviewer)) == [branch_request]
    assert list(answers_filed_with(top_reviewer)) == [top_request]
    assert "request.filed" in kinds_for(top_reviewer)
    client = Client()
    client.force_login(top_reviewer)
    assert list(client.get("/review/").context["answers"]) == [top_request]
    assert client.get(f"/requests/{top_request.pk}/").status_code == 200
    # An application being answered with a draft is not filed until it is answered.
    drafting = services.request_submit(organization=world.committee, applicant=applicant,
                                       subject="申请公开党委新事项")
    committee_entry = world.entries["public"]
    committee_entry.catalog.binds_issuer = True
    committee_entry.catalog.save()
    item = services.request_draft(request_id=drafting.pk, actor=top_secretary,
                                  entry=committee_entry, reach="applicant")
    assert drafting not in answers_filed_with(top_reviewer)
    review_and_publish(world, item, top_secretary)
    drafting.refresh_from_db()
    assert drafting.state == Request.State.DISCLOSED_TO_APPLICANT
    assert drafting in answers_filed_with(top_reviewer)
    assert drafting not in answers_filed_with(reviewer)
    assert can_view(fresh(applicant), item)


def test_an_application_being_drafted_stays_due(world):
    request = services.request_submit(organization=world.branch,
                                      applicant=world.users["member"], subject="申请公开事项")
    services.request_draft(request_id=request.pk, actor=world.users["secretary"],
                           entry=world.entries["public"], reach="organization")
    deadlines.run_reminders(request.due_date + dt.timedelta(days=1), names=["request"])
    assert Reminder.objects.filter(source="request", target_id=request.pk,
                                   stage="overdue").exists()
