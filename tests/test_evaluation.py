"""民主评议: one ballot per voter and organization, even under concurrent submission;
results published to the campaign's audience when it closes."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from feedback import permissions as feedback_permissions
from feedback import services as feedback_services
from feedback.models import Ballot, Campaign
from portal.workflow import TransitionError
from tests.factories import UserFactory, cast_ballot, feedback_admin, open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return feedback_admin()


@pytest.fixture
def campaign(world, admin_user):
    return open_campaign([world.branch, world.other_branch], admin_user,
                         title="2026年度党务公开民主评议", period_label="2026年度")


def test_members_vote_once_for_their_organization(world, campaign):
    member = world.users["member"]
    cast_ballot(campaign, world.branch, member, "satisfied", comment="公开及时")
    with pytest.raises(TransitionError):
        cast_ballot(campaign, world.branch, member, "unsatisfied")
    with pytest.raises(PermissionDenied):  # not a member of the other branch
        cast_ballot(campaign, world.other_branch, member, "satisfied")
    with pytest.raises(PermissionDenied):
        cast_ballot(campaign, world.branch, world.users["outsider"], "satisfied")
    assert Ballot.objects.count() == 1


def test_public_campaign_lets_registered_public_vote(world, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(voters="everyone")
    campaign.refresh_from_db()
    cast_ballot(campaign, world.branch, world.users["outsider"], "fairly")
    assert Ballot.objects.count() == 1


def test_results_after_closing_for_the_named_audience(world, campaign, admin_user):
    for name, rating in [
        ("member", "satisfied"),
        ("secretary", "fairly"),
        ("committee_member", "unsatisfied"),
    ]:
        cast_ballot(campaign, world.branch, world.users[name], rating)
    outsider = Client()
    outsider.force_login(world.users["outsider"])
    member = Client()
    member.force_login(world.users["member"])
    assert member.get(f"/evaluation/{campaign.pk}/results/").status_code == 404  # still open
    with pytest.raises(TransitionError):
        feedback_services.campaign_open(campaign_id=campaign.pk, actor=admin_user)
    feedback_services.campaign_close(campaign_id=campaign.pk, actor=admin_user)
    page = member.get(f"/evaluation/{campaign.pk}/results/")
    result = {r.organization.code: r for r in page.context["results"]}["B1"]
    assert (result.satisfied, result.fairly, result.unsatisfied) == (1, 1, 1)
    assert result.satisfaction_rate == 66.7
    assert outsider.get(f"/evaluation/{campaign.pk}/results/").status_code == 404
    Campaign.objects.filter(pk=campaign.pk).update(results_public=True)
    assert Client().get(f"/evaluation/{campaign.pk}/results/").status_code == 200
    with pytest.raises(PermissionDenied):
        cast_ballot(Campaign.objects.get(pk=campaign.pk), world.branch, world.users["member"],
                    "satisfied")


def test_vote_page(world, campaign):
    client = Client()
    client.force_login(world.users["member"])
    page = client.get(f"/evaluation/{campaign.pk}/")
    assert [o.code for o in page.context["orgs"]] == ["B1"]
    client.post(
        f"/evaluation/{campaign.pk}/", {"organization": world.branch.pk, "rating": "satisfied"}
    )
    client.post(
        f"/evaluation/{campaign.pk}/", {"organization": world.branch.pk, "rating": "unsatisfied"}
    )
    assert list(Ballot.objects.values_list("rating", flat=True)) == ["satisfied"]


def closed_campaigns(world, n: int) -> dict[str, list[Campaign]]:
    """Make ``n`` closed campaigns: public results, members-only results of the branch,
    and members-only results of the other branch, in turn."""
    made: dict[str, list[Campaign]] = {"public": [], "branch": [], "other": []}
    kinds = [("public", world.other_branch, True), ("branch", world.branch, False),
             ("other", world.other_branch, False)]
    for i in range(n):
        kind, org, public = kinds[i % 3]
        campaign = Campaign.objects.create(
            title=f"评议{i}", period_label="2025年度", results_public=public,
            state=Campaign.State.CLOSED, opened_at=timezone.now(), closed_at=timezone.now())
        campaign.organizations.set([org])
        made[kind].append(campaign)
    return made


@pytest.mark.parametrize(("who", "queries"), [
    ("anonymous", 1),  # the campaigns
    # open and closed campaigns; the session, account, rights and unread notices come from
    # the shared cache between changes
    ("member", 2),
])
def test_published_results_list_takes_the_same_queries_for_2_and_10_campaigns(
        world, who, queries, django_assert_num_queries):
    client = Client()
    if who == "member":
        client.force_login(world.users["member"])
    for n in (2, 10):
        Campaign.objects.all().delete()
        made = closed_campaigns(world, n)
        client.get("/evaluation/")  # the steady state: what the change made caches read
        with django_assert_num_queries(queries):
            page = client.get("/evaluation/")
        expected = made["public"] + (made["branch"] if who == "member" else [])
        assert {c.pk for c in page.context["closed"]} == {c.pk for c in expected}


def test_campaigns_with_visible_results_agrees_with_may_see_results(world, admin_user):
    made = closed_campaigns(world, 6)
    superuser = UserFactory(is_superuser=True)
    draft = Campaign.objects.create(title="草稿", period_label="2026年度")
    draft.organizations.set([world.branch])
    viewers = [*world.users.values(), admin_user, superuser]
    for user in viewers + [AnonymousUser()]:
        visible = set(feedback_permissions.campaigns_with_visible_results(user))
        shown = {c for c in Campaign.objects.all()
                 if feedback_permissions.may_see_results(user, c)}
        assert visible == shown, user
    assert set(feedback_permissions.campaigns_with_visible_results(AnonymousUser())) == set(
        made["public"])
    assert set(feedback_permissions.campaigns_with_visible_results(superuser).filter(
        state=Campaign.State.CLOSED)) == {c for kind in made.values() for c in kind}


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submission_makes_one_ballot(world, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    made = open_campaign([world.branch], admin_user)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit():
        try:
            barrier.wait()
            cast_ballot(made, world.branch, world.users["member"], "satisfied")
            outcomes.append("cast")
        except TransitionError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    for _round in range(10):
        Ballot.objects.all().delete()
        outcomes.clear()
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["cast", "refused"]
        assert Ballot.objects.count() == 1
