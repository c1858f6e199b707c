"""民主评议: one ballot per voter and organization, even under concurrent submission;
results published to the campaign's audience when it closes."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.test import Client

from feedback import services as feedback_services
from feedback.models import Ballot, Campaign
from portal.workflow import TransitionError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="feedback"))
    return user


@pytest.fixture
def campaign(world, admin_user):
    made = Campaign.objects.create(title="2026年度党务公开民主评议", period_label="2026年度")
    made.organizations.set([world.branch, world.other_branch])
    feedback_services.campaign_open(campaign_id=made.pk, actor=admin_user)
    made.refresh_from_db()
    return made


def test_members_vote_once_for_their_organization(world, campaign):
    feedback_services.ballot_cast(
        campaign=campaign,
        organization=world.branch,
        voter=world.users["member"],
        rating="satisfied",
        comment="公开及时",
    )
    with pytest.raises(TransitionError):
        feedback_services.ballot_cast(
            campaign=campaign,
            organization=world.branch,
            voter=world.users["member"],
            rating="unsatisfied",
        )
    with pytest.raises(PermissionDenied):  # not a member of the other branch
        feedback_services.ballot_cast(
            campaign=campaign,
            organization=world.other_branch,
            voter=world.users["member"],
            rating="satisfied",
        )
    with pytest.raises(PermissionDenied):
        feedback_services.ballot_cast(
            campaign=campaign,
            organization=world.branch,
            voter=world.users["outsider"],
            rating="satisfied",
        )
    assert Ballot.objects.count() == 1


def test_public_campaign_lets_registered_public_vote(world, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(voters="everyone")
    campaign.refresh_from_db()
    feedback_services.ballot_cast(
        campaign=campaign, organization=world.branch, voter=world.users["outsider"], rating="fairly"
    )
    assert Ballot.objects.count() == 1


def test_results_after_closing_for_the_named_audience(world, campaign, admin_user):
    for name, rating in [
        ("member", "satisfied"),
        ("secretary", "fairly"),
        ("committee_member", "unsatisfied"),
    ]:
        feedback_services.ballot_cast(
            campaign=campaign, organization=world.branch, voter=world.users[name], rating=rating
        )
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
        feedback_services.ballot_cast(
            campaign=Campaign.objects.get(pk=campaign.pk),
            organization=world.branch,
            voter=world.users["member"],
            rating="satisfied",
        )


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


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submission_makes_one_ballot(world, admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    made = Campaign.objects.create(title="评议", period_label="2026")
    made.organizations.set([world.branch])
    feedback_services.campaign_open(campaign_id=made.pk, actor=admin_user)
    made.refresh_from_db()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit():
        try:
            barrier.wait()
            feedback_services.ballot_cast(
                campaign=made,
                organization=world.branch,
                voter=world.users["member"],
                rating="satisfied",
            )
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
