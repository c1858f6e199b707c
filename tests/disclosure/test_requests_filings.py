"""On-request disclosure and non-disclosure filings: allowed actor, wrong actor, wrong
state, deadlines; the applicant-only grant reaches the applicant and nobody else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from disclosure import obligations, search, services
from disclosure.models import DisclosureRequest, NonDisclosureFiling, Obligation, State
from disclosure.visibility import can_view, visible_items
from portal import deadlines
from portal.models import Reminder
from portal.workflow import TransitionError
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
Request = DisclosureRequest


@pytest.fixture
def obligation(world):
    obligations.generate_periodic_obligations(dt.date(2026, 11, 23))
    return Obligation.objects.get(organization=world.branch)


def test_filing_acknowledged_by_parent_counts_as_filed(world, obligation):
    filing = services.filing_submit(obligation_id=obligation.pk,
                                         actor=world.users["secretary"],
                                         reason="涉及正在调查的事项，暂不宜公开。",
                                         condition="待调查结论作出后")
    with pytest.raises(TransitionError):
        services.filing_submit(obligation_id=obligation.pk,
                                    actor=world.users["secretary"], reason="重复备案",
                                    condition="待调查结论作出后")
    with pytest.raises(PermissionDenied):
        services.filing_acknowledge(filing_id=filing.pk, actor=world.users["committee_reviewer"])
    services.filing_acknowledge(filing_id=filing.pk, actor=world.users["reviewer"])
    obligation.refresh_from_db()
    assert obligation.state == Obligation.State.FILED
    with pytest.raises(TransitionError):
        services.filing_return(filing_id=filing.pk, actor=world.users["reviewer"], comment="x")
    deadlines.run_reminders(obligation.due_date + dt.timedelta(days=30), names=["obligation"])
    assert not Reminder.objects.filter(target_id=obligation.pk).exists()
    assert Reminder.objects.filter(source="obligation").count() == 4  # two others × two stages


def test_returned_filing_leaves_the_obligation_due(world, obligation):
    filing = services.filing_submit(obligation_id=obligation.pk,
                                         actor=world.users["secretary"], reason="理由说明文字",
                                         condition="待审计结束后")
    with pytest.raises(TransitionError):
        services.filing_return(filing_id=filing.pk, actor=world.users["reviewer"], comment=" ")
    services.filing_return(filing_id=filing.pk, actor=world.users["reviewer"],
                          comment="理由不充分，请按期公开。")
    obligation.refresh_from_db()
    assert obligation.state == Obligation.State.OPEN
    assert NonDisclosureFiling.objects.get().state == "returned"


def test_only_the_organization_files(world, obligation):
    for who in ("member", "other_secretary", "reviewer"):
        with pytest.raises(PermissionDenied):
            services.filing_submit(obligation_id=obligation.pk, actor=world.users[who],
                                        reason="理由说明文字", condition="待审计结束后")


def test_filing_pages(world, obligation):
    sec = Client()
    sec.force_login(world.users["secretary"])
    response = sec.post(f"/obligations/{obligation.pk}/file/",
                        {"reason": "暂不宜公开的理由", "condition": "待审计结束后"})
    assert response.status_code == 302
    rev = Client()
    rev.force_login(world.users["reviewer"])
    filing = NonDisclosureFiling.objects.get()
    assert filing in rev.get("/review/").context["filings"]
    rev.post(f"/filings/{filing.pk}/acknowledge/", {"comment": "同意备案"})
    assert Obligation.objects.get(pk=obligation.pk).state == "filed"
    other = Client()
    other.force_login(world.users["other_secretary"])
    assert other.get(f"/obligations/{obligation.pk}/file/").status_code == 404


@pytest.fixture
def applicant(world):
    return world.users["member"]


def test_member_applies_and_is_answered_with_an_applicant_only_grant(world, applicant):
    # An intra-party item of the general branch, which the branch member cannot read.
    item = world.item(State.INTERNAL, org=world.general, title="总支内部XQ9事项",
                      attachment=b"file")
    assert not can_view(applicant, item)
    request = services.request_submit(organization=world.general, applicant=applicant,
                                     subject="申请公开总支经费使用情况")
    assert request.due_date > timezone.localdate()
    general_secretary = world.users["general_secretary"] = world._secretary_of(world.general)
    with pytest.raises(ValidationError):
        services.request_answer(request_id=request.pk, actor=general_secretary,
                               decision="applicant", answer="同意", item=None)
    services.request_answer(request_id=request.pk, actor=general_secretary,
                           decision="applicant", answer="同意向申请人公开。", item=item)
    with pytest.raises(TransitionError):
        services.request_answer(request_id=request.pk, actor=general_secretary,
                               decision="declined", answer="x")
    applicant = type(applicant).objects.get(pk=applicant.pk)  # rights are read once per object
    assert can_view(applicant, item)
    others = [world.users[n] for n in ("other_member", "outsider", "committee_member")]
    for other in others:
        assert not can_view(other, item)
    search.reindex(item.pk)
    for user, sees in [(applicant, True), *[(o, False) for o in others]]:
        client = Client()
        client.force_login(user)
        assert (client.get(f"/items/{item.pk}/").status_code == 200) is sees
        attachment = item.attachments.get()
        assert (client.get(f"/attachments/{attachment.pk}/").status_code == 200) is sees
        assert ("XQ9" in client.get("/items/").content.decode()) is sees
        found = search.search(visible_items(user), "XQ9")
        assert (item in found) is sees


def test_answer_within_a_scope_grants_a_role_group(world, applicant):
    item = world.item(State.INTERNAL, org=world.general, title="总支事项")
    request = services.request_submit(organization=world.general, applicant=applicant,
                                     subject="申请向各支部党员公开")
    sec = world._secretary_of(world.general)
    MembershipFactory(user=world.users["outsider"], organization=world.general, role="member")
    services.request_answer(request_id=request.pk, actor=sec, decision="scope",
                           answer="向总支党员公开。", item=item, scope_role="member")
    assert can_view(world.users["outsider"], item)  # a member of the general branch


def test_declined_answer_is_filed_with_the_parent(world, applicant):
    request = services.request_submit(organization=world.branch, applicant=applicant,
                                     subject="申请公开某事项")
    services.request_answer(request_id=request.pk, actor=world.users["secretary"],
                           decision="declined", answer="涉密，不予公开。")
    rev = Client()
    rev.force_login(world.users["reviewer"])
    assert request in list(rev.get("/review/").context["answers"])


def test_outsiders_cannot_apply_and_requests_answer_404(world, applicant):
    with pytest.raises(PermissionDenied):
        services.request_submit(organization=world.branch, applicant=world.users["outsider"],
                               subject="外部申请")
    with pytest.raises(PermissionDenied):  # not above the applicant's own organization
        services.request_submit(organization=world.other_branch, applicant=applicant,
                               subject="申请其他支部")
    request = services.request_submit(organization=world.branch, applicant=applicant,
                                     subject="申请公开事项")
    other = Client()
    other.force_login(world.users["other_member"])
    assert other.get(f"/requests/{request.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.request_answer(request_id=request.pk, actor=world.users["other_secretary"],
                               decision="declined", answer="x")


def test_request_deadline_reminders(world, applicant):
    request = services.request_submit(organization=world.branch, applicant=applicant,
                                     subject="申请公开事项")
    deadlines.run_reminders(request.due_date + dt.timedelta(days=10), names=["request"])
    assert set(Reminder.objects.filter(source="request").values_list("stage", flat=True)) == {
        "overdue", "escalated"}


def test_request_pages(world, applicant):
    client = Client()
    client.force_login(applicant)
    response = client.post("/requests/new/?org=B1", {"subject": "申请公开支部经费"})
    request = Request.objects.get()
    assert response.url == f"/requests/{request.pk}/"
    sec = Client()
    sec.force_login(world.users["secretary"])
    page = sec.post(f"/requests/{request.pk}/", {"decision": "declined", "answer": "不予公开。"})
    assert page.status_code == 302
    assert Request.objects.get().state == "declined"


def test_posting_an_answer_without_the_right_is_404_and_a_second_answer_is_refused(
        world, applicant):
    request = services.request_submit(organization=world.branch, applicant=applicant,
                                      subject="申请公开支部经费预算")
    answer = {"decision": "declined", "answer": "暂无此项材料"}
    own = Client()
    own.force_login(applicant)
    assert own.post(f"/requests/{request.pk}/", answer).status_code == 404
    sec = Client()
    sec.force_login(world.users["secretary"])
    assert sec.post(f"/requests/{request.pk}/", answer).status_code == 302
    again = sec.post(f"/requests/{request.pk}/", {"decision": "declined", "answer": "另一答复"})
    assert again.status_code == 200
    assert "no longer awaiting an answer" in again.content.decode() or (
        "不在待答复状态" in again.content.decode())
    request.refresh_from_db()
    assert request.answer == "暂无此项材料"
