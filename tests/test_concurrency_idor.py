"""Two people acting on the same item at once: exactly one succeeds, every round. And for
every kind of object, another organization's user gets the same answer for "forbidden"
and for "missing"."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from disclosure import services
from disclosure.models import State
from feedback import services as feedback_services
from portal.models import Notification
from portal.workflow import TransitionError
from tests.factories import MembershipFactory


def race(calls) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except TransitionError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_one_wins_in_100_rounds(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    second = MembershipFactory(organization=world.general, role="reviewer").user
    for _round in range(100):
        item = world.item(State.SUBMITTED, title=f"并发审核{_round}")
        outcomes = race([
            lambda i=item: services.item_approve(item_id=i.pk, actor=world.users["reviewer"],
                                                 confidentiality_checked=True),
            lambda i=item: services.item_approve(item_id=i.pk, actor=second,
                                                 confidentiality_checked=True),
        ])
        assert outcomes == ["ok", "refused"], _round
        assert item.reviews.filter(action="approve").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_secretaries_publishing_at_once_one_wins_in_100_rounds(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    for _round in range(100):
        item = world.item(State.APPROVED, title=f"并发发布{_round}")
        outcomes = race([
            lambda i=item: services.item_publish_internal(item_id=i.pk,
                                                          actor=world.users["secretary"]),
            lambda i=item: services.item_publish_internal(
                item_id=i.pk, actor=world.users["committee_member"]),
        ])
        assert outcomes == ["ok", "refused"], _round
        assert item.reviews.filter(action="publish_internal").count() == 1


@pytest.mark.django_db
def test_other_organizations_get_the_same_answer_for_forbidden_and_missing(world):
    item = world.item(State.INTERNAL, attachment=b"x")
    feedback = feedback_services.feedback_submit(organization=world.branch, item=None,
                                                 author=world.users["member"],
                                                 body="一条内部意见文字")
    request = services.request_submit(organization=world.branch,
                                     applicant=world.users["member"], subject="申请公开事项")
    order = feedback_services.rectification_order(
        organization=world.branch, actor=world.users["supervisor"], finding="问题描述文字",
        requirement="", due_date=timezone.localdate() + dt.timedelta(days=5))
    note = Notification.objects.filter(recipient=world.users["secretary"]).first()
    urls = {
        "item": f"/items/{item.pk}/",
        "item edit": f"/items/{item.pk}/edit/",
        "attachment": f"/attachments/{item.attachments.get().pk}/",
        "feedback": f"/feedback/{feedback.pk}/",
        "request": f"/requests/{request.pk}/",
        "rectification": f"/rectification/{order.pk}/",
        "notification": f"/notifications/{note.pk}/",
        "change form": f"/items/{item.pk}/change/",
    }
    client = Client()
    client.force_login(world.users["other_member"])
    for kind, url in urls.items():
        hidden = client.get(url)
        missing_url = url.replace(str(url.split("/")[2]), "987654", 1)
        missing = client.get(missing_url)
        assert hidden.status_code == missing.status_code == 404, (kind, hidden.status_code,
                                                                  missing.status_code)
