"""The supervisors' workplace sees exactly their subtree: dashboard, drill-down, history,
exports; and the notice-board print view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from disclosure import obligations
from disclosure.models import Obligation, State

pytestmark = pytest.mark.django_db
D = dt.date


def logged_in(world, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


@pytest.fixture
def figures(world):
    obligations.generate_periodic_obligations(D(2026, 8, 1))  # Q3 2026 for G, B1, B2
    Obligation.objects.filter(organization=world.branch).update(state="on_time")
    Obligation.objects.filter(organization=world.other_branch).update(state="overdue")
    return world


def test_dashboard_figures_for_the_whole_subtree(figures):
    world = figures
    page = logged_in(world, "supervisor").get("/supervision/")
    rows = {r.organization.code: r for r in page.context["rows"]}
    assert set(rows) == {"C", "G", "B1", "B2"}
    assert (rows["B1"].on_time, rows["B1"].on_time_rate) == (1, 100.0)
    assert (rows["B2"].overdue, rows["B2"].on_time_rate) == (0 + 1, 0.0)
    assert len(page.context["trend"]) == 12


def test_branch_supervisor_sees_only_their_branch(figures):
    page = logged_in(figures, "branch_supervisor").get("/supervision/")
    assert [r.organization.code for r in page.context["rows"]] == ["B2"]
    csv_text = (
        logged_in(figures, "branch_supervisor")
        .get("/supervision/?format=csv")
        .content.decode("utf-8-sig")
    )
    assert "B2" in csv_text and "B1" not in csv_text
    client = logged_in(figures, "branch_supervisor")
    assert client.get("/supervision/obligations/?org=B1").status_code == 404


def test_reviewer_oversees_child_organizations(figures):
    page = logged_in(figures, "reviewer").get("/supervision/")
    assert {r.organization.code for r in page.context["rows"]} == {"B1", "B2"}
    assert logged_in(figures, "reviewer").get("/supervision/history/").status_code == 404


def test_members_have_no_dashboard(figures):
    assert logged_in(figures, "member").get("/supervision/").status_code == 404
    assert Client().get("/supervision/").status_code == 302


def test_drill_down_lists_the_obligations(figures):
    page = logged_in(figures, "supervisor").get("/supervision/obligations/?org=B2&state=overdue")
    assert [o.state for o in page.context["page"].object_list] == ["overdue"]


def test_history_browser_shows_subtree_changes_with_diffs(world):
    item = world.item(State.INTERNAL, title="历史记录事项")
    other = world.item(State.DRAFT, title="第二支部草稿", org=world.other_branch)
    client = logged_in(world, "branch_supervisor")
    page = client.get("/supervision/history/", {"kind": "item"})
    ids = {h.id for h in page.context["page"].object_list}
    assert ids == {other.pk}
    page = logged_in(world, "supervisor").get(
        "/supervision/history/", {"kind": "item", "user": "reviewer"}
    )
    assert {h.id for h in page.context["page"].object_list} == {item.pk}
    timeline = logged_in(world, "supervisor").get(f"/supervision/history/item/{item.pk}/")
    changes = [c for _v, cs in timeline.context["steps"] for c in cs]
    assert any(old == "审核通过" and new == "党内公开" for _f, old, new in changes), changes
    assert client.get(f"/supervision/history/item/{item.pk}/").status_code == 404


def test_history_of_memberships_and_organizations(world):
    page = logged_in(world, "supervisor").get("/supervision/history/", {"kind": "membership"})
    assert page.context["page"].paginator.count >= 9
    page = logged_in(world, "branch_supervisor").get(
        "/supervision/history/", {"kind": "organization"}
    )
    assert {h.code for h in page.context["page"].object_list} == {"B2"}


def test_notice_board_print_view(world):
    public = world.item(State.PUBLIC, title="公开栏事项")
    internal = world.item(State.INTERNAL, title="党内公开栏事项")
    html = Client().get("/orgs/B1/notice-board/").content.decode()
    assert public.title in html and internal.title not in html and "<svg" in html
    html = Client().get("/orgs/B1/notice-board/?scope=internal").content.decode()
    assert internal.title not in html
    html = logged_in(world, "member").get("/orgs/B1/notice-board/?scope=internal").content.decode()
    assert internal.title in html and public.title in html


def test_dashboard_shows_feedback_rectification_and_evaluation(world):
    from django.utils import timezone

    from feedback import services as feedback_services
    from tests.factories import cast_ballot, feedback_admin, open_campaign

    feedback = feedback_services.feedback_submit(
        organization=world.branch, item=None, author=world.users["member"], body="意见内容文字"
    )
    feedback_services.feedback_accept(feedback_id=feedback.pk, actor=world.users["secretary"])
    feedback_services.feedback_reply(
        feedback_id=feedback.pk, actor=world.users["secretary"], reply="答复内容文字"
    )
    feedback_services.feedback_submit(
        organization=world.branch, item=None, author=world.users["member"], body="第二条意见文字"
    )
    feedback_services.rectification_order(
        organization=world.branch,
        actor=world.users["supervisor"],
        finding="问题描述文字",
        requirement="",
        due_date=timezone.localdate() + dt.timedelta(days=3),
    )
    admin = feedback_admin()
    campaign = open_campaign([world.branch], admin)
    cast_ballot(campaign, world.branch, world.users["member"], "satisfied")
    feedback_services.campaign_close(campaign_id=campaign.pk, actor=admin)
    page = logged_in(world, "supervisor").get("/supervision/")
    row = {r.organization.code: r for r in page.context["rows"]}["B1"]
    assert (row.feedback_open, row.rectifications_open, row.satisfaction) == (1, 1, 100.0)
    assert row.feedback_days is not None
