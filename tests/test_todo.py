"""待办: one page per person listing everything waiting for them, counted in the navigation;
and signing in lands on that person's workplace."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from disclosure import obligations, services
from disclosure.models import DisclosureItem, Obligation, State
from feedback import services as feedback_services
from portal import todo
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def nav_count(html: str) -> int:
    """The count the navigation's 待办 link shows (0 when it shows none)."""
    link = re.search(r'<a href="/todo/">(.*?)</a>', html, re.S)
    assert link is not None, "the navigation links the to-do page"
    found = re.search(r"\((\d+)\)", link.group(1))
    return int(found.group(1)) if found else 0


def rows(html: str) -> int:
    section = html.split("<main", 1)[1]
    return section.count('<li class="item-row">')


def waiting_work(world) -> dict:
    """Something waiting for each role: an item to review (general branch's reviewer), a
    work plan and a change request (the committee's reviewer, who set the catalog), a filing
    (the reviewer), an application, feedback, an objection's 公示 and a rectification order
    (the branch's secretary; the order to verify, once responded, the supervisor)."""
    sec, member = world.users["secretary"], world.users["member"]
    submitted = world.item(State.SUBMITTED, title="待审核的事项")
    public = world.item(State.PUBLIC, title="已公开的事项")
    change = services.change_submit(item_id=public.pk, actor=sec, kind="change",
                                    new_title="更正后的事项", new_body="新正文",
                                    explanation="更正数字错误。")
    plan = services.workplan_submit(organization=world.branch, actor=sec, title="目录外事项",
                                    plan="公开本支部为民办实事项目清单，向全体党员和群众说明项目进度，通过公开栏公开。",
                                    category="other")
    obligations.generate_periodic_obligations(dt.date(2026, 11, 23))
    filing = services.filing_submit(obligation_id=Obligation.objects.get(
        organization=world.branch).pk, actor=sec, reason="涉及正在调查的事项，暂不宜公开。",
        condition="待调查结论作出后")
    request = services.request_submit(organization=world.branch, applicant=member,
                                      subject="申请公开党费使用情况")
    feedback = feedback_services.feedback_submit(
        organization=world.branch, item=None, author=member, body="建议公开栏及时更新。",
        address="10.0.0.9")
    order = feedback_services.rectification_order(
        organization=world.branch, actor=world.users["supervisor"], finding="公开栏内容陈旧",
        requirement="一周内更新", due_date=timezone.localdate() + dt.timedelta(days=7))
    return {"submitted": submitted, "change": change, "plan": plan, "filing": filing,
            "request": request, "feedback": feedback, "order": order}


@pytest.mark.parametrize(("role", "expected"), [
    ("reviewer", {"待审核的事项", "党费收缴"}),
    ("committee_reviewer", {"目录外事项", "已公开的事项"}),
    ("secretary", {"申请公开党费使用情况", "建议公开栏及时更新。", "公开栏内容陈旧"}),
    ("member", set()),
    ("supervisor", set()),
    ("other_secretary", set()),
])
def test_each_person_sees_what_waits_for_them_and_the_count_equals_the_rows(
        world, role, expected):
    waiting_work(world)
    html = client_for(world.users[role]).get("/todo/").content.decode()
    for text in expected:
        assert text in html, (role, text)
    assert rows(html) == len(expected) == nav_count(html) == todo.count(world.users[role])
    if not expected:
        assert "没有等待您处理的事项" in html


def test_nothing_the_person_may_not_see_is_listed_or_counted(world):
    work = waiting_work(world)
    other = world.users["other_secretary"]
    html = client_for(other).get("/todo/").content.decode()
    for text in ("待审核的事项", "目录外事项", "申请公开党费使用情况", "建议公开栏",
                 "公开栏内容陈旧"):
        assert text not in html
    assert todo.count(other) == 0
    # The organization's own reviewer sees the item but not the committee's decisions.
    reviewer_html = client_for(world.users["reviewer"]).get("/todo/").content.decode()
    assert "目录外事项" not in reviewer_html
    assert f"/changes/{work['change'].pk}/" not in reviewer_html


def test_the_count_follows_the_work_as_it_is_done(world):
    work = waiting_work(world)
    reviewer = world.users["reviewer"]
    assert todo.count(reviewer) == 2
    services.item_approve(item_id=work["submitted"].pk, actor=reviewer,
                          confidentiality_checked=True)
    html = client_for(reviewer).get("/todo/").content.decode()
    assert "待审核的事项" not in html and nav_count(html) == 1 == rows(html)
    # The approved item now waits for its organization to publish it.
    assert "待审核的事项" in client_for(world.users["secretary"]).get("/todo/").content.decode()


def test_a_responded_order_waits_for_its_verification_by_the_supervisor(world):
    work = waiting_work(world)
    feedback_services.rectification_respond(order_id=work["order"].pk,
                                            actor=world.users["secretary"],
                                            response="公开栏已于本周全部更新完毕。")
    html = client_for(world.users["supervisor"]).get("/todo/").content.decode()
    assert "公开栏内容陈旧" in html and nav_count(html) == 1 == rows(html)
    assert "公开栏内容陈旧" not in client_for(world.users["secretary"]).get(
        "/todo/").content.decode()


def test_objections_and_the_conclusion_wait_for_the_organization(world):
    sec = world.users["secretary"]
    item = world.item(State.PUBLIC, entry="timely", title="发展党员公示")
    objection = feedback_services.feedback_submit(
        organization=item.organization, item=item, author=None, body="入党动机需核实。",
        address="10.0.0.1", objection=True)
    html = client_for(sec).get("/todo/").content.decode()
    assert "入党动机需核实。" in html and "异议" in html
    feedback_services.feedback_accept(feedback_id=objection.pk, actor=sec)
    feedback_services.feedback_reply(feedback_id=objection.pk, actor=sec,
                                     reply="经核实，材料属实。")
    DisclosureItem.objects.filter(pk=item.pk).update(
        display_until=timezone.localdate() - dt.timedelta(days=1))
    services.expire_short_term_items()
    html = client_for(sec).get("/todo/").content.decode()
    assert f"/feedback/objections/{item.pk}/" in html
    assert nav_count(html) == rows(html) == todo.count(sec)


def test_the_review_inbox_shows_plans_and_changes_waiting_for_the_reviewer(world):
    work = waiting_work(world)
    html = client_for(world.users["committee_reviewer"]).get("/review/").content.decode()
    assert f"/plans/{work['plan'].pk}/" in html
    assert f"/changes/{work['change'].pk}/" in html
    assert "暂无待审核事项" not in html  # "Nothing is waiting for review." is not said


def test_the_navigation_costs_one_query_at_most_and_nothing_for_anonymous(
        world, django_assert_num_queries):
    """The navigation reads the rights (two queries) and the unread notifications (one);
    the to-do count adds one query for a person with work by role, none for the others.
    The next request reads all of it from the shared cache."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache

    from portal.context_processors import navigation
    from portal.models import User

    waiting_work(world)

    def nav(user) -> dict:
        return navigation(type("Request", (), {"user": user})())

    for role, expected, queries in (("reviewer", 2, 4), ("secretary", 3, 4),
                                    ("supervisor", 0, 4), ("member", 0, 3)):
        cache.clear()
        fresh = User.objects.get(pk=world.users[role].pk)  # nothing read about it yet
        with django_assert_num_queries(queries):
            assert nav(fresh)["todo_count"] == expected, role
        again = User.objects.get(pk=world.users[role].pk)
        with django_assert_num_queries(0):
            assert nav(again)["todo_count"] == expected, role
    with django_assert_num_queries(0):
        assert nav(AnonymousUser())["todo_count"] == 0


def test_every_row_is_one_its_reader_may_see(world):
    """Each group asks the record's permission home: whatever it lists, its reader may
    open (the registry's check), for every role of the world."""
    from portal import permissions

    work = waiting_work(world)
    feedback_services.rectification_respond(order_id=work["order"].pk,
                                            actor=world.users["secretary"],
                                            response="公开栏已于本周全部更新完毕。")
    listed = 0
    for user in world.users.values():
        for source in todo.sources_for(user):
            for obj in source.pending(user):
                assert permissions.can_view(user, obj), (user.username, source.key, obj)
                listed += 1
    assert listed >= 7


@pytest.mark.parametrize(("role", "landing"), [
    ("secretary", "/todo/"), ("reviewer", "/todo/"), ("committee_reviewer", "/todo/"),
    ("supervisor", "/todo/"), ("member", "/mine/"), ("outsider", "/items/"),
])
def test_signing_in_lands_on_the_persons_workplace(world, role, landing):
    client = Client()
    response = client.post("/accounts/login/", {"username": role, "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200


def test_next_still_wins_over_the_workplace(world):
    response = Client().post("/accounts/login/?next=/orgs/",
                             {"username": "secretary", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/orgs/"


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = Client().get("/todo/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
