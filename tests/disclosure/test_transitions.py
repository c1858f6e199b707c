"""Every transition: the allowed actor, a wrong actor, a wrong state; refused changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from disclosure import services
from disclosure.models import DisclosureItem, Review, State
from portal.workflow import TransitionError

pytestmark = pytest.mark.django_db


def snapshot(item: DisclosureItem) -> tuple:
    item.refresh_from_db()
    return (
        item.state, item.submitted_at, item.approved_at, item.internal_at, item.public_at,
        item.planned_public_at, item.reviews.count(), item.history.count(),
    )


def perform(item: DisclosureItem, transition, actor, **kwargs) -> None:
    """Take ``item`` through ``transition`` as ``actor`` and reload it."""
    transition(item_id=item.pk, actor=actor, **kwargs)
    item.refresh_from_db()


def assert_refused(item: DisclosureItem, exc, transition, actor, **kwargs) -> None:
    """``transition`` of ``item`` by ``actor`` raises ``exc`` and changes nothing."""
    before = snapshot(item)
    with pytest.raises(exc):
        transition(item_id=item.pk, actor=actor, **kwargs)
    assert snapshot(item) == before


def test_secretary_submits_draft(world):
    item = world.item(State.DRAFT)
    perform(item, services.item_submit, world.users["secretary"], comment="请审核")
    assert item.state == State.SUBMITTED and item.submitted_at is not None
    review = item.reviews.get()
    assert (review.action, review.actor, review.comment) == (
        Review.Action.SUBMIT, world.users["secretary"], "请审核")
    assert item.history.first().history_user == world.users["secretary"]


def test_committee_member_may_submit(world):
    item = world.item(State.DRAFT)
    services.item_submit(item_id=item.pk, actor=world.users["committee_member"])
    assert DisclosureItem.objects.get(pk=item.pk).state == State.SUBMITTED


@pytest.mark.parametrize("who", ["member", "other_secretary", "reviewer", "outsider"])
def test_others_cannot_submit(world, who):
    item = world.item(State.DRAFT)
    assert_refused(item, PermissionDenied, services.item_submit, world.users[who])


@pytest.mark.parametrize("state", [State.SUBMITTED, State.APPROVED, State.INTERNAL])
def test_submit_refused_in_wrong_state(world, state):
    item = world.item(state)
    assert_refused(item, TransitionError, services.item_submit, world.users["secretary"])


def test_returned_item_can_be_edited_and_resubmitted(world):
    item = world.item(State.RETURNED)
    services.item_update(item_id=item.pk, actor=world.users["secretary"], title="修改后的标题")
    perform(item, services.item_submit, world.users["secretary"])
    assert (item.state, item.title) == (State.SUBMITTED, "修改后的标题")


def test_edit_refused_after_submission(world):
    item = world.item(State.SUBMITTED)
    assert_refused(item, TransitionError, services.item_update, world.users["secretary"],
                   title="偷偷修改")
    assert DisclosureItem.objects.get(pk=item.pk).title == "党费收缴情况公开"


def test_edit_refused_for_member(world):
    item = world.item(State.DRAFT)
    assert_refused(item, PermissionDenied, services.item_update, world.users["member"], title="x")


def test_reviewer_of_parent_approves_with_confidentiality_check(world):
    item = world.item(State.SUBMITTED)
    perform(item, services.item_approve, world.users["reviewer"], confidentiality_checked=True,
            comment="同意")
    assert item.state == State.APPROVED
    review = item.reviews.get(action=Review.Action.APPROVE)
    assert review.confidentiality_checked and review.actor == world.users["reviewer"]


def test_approval_without_confidentiality_check_is_refused(world):
    item = world.item(State.SUBMITTED)
    assert_refused(item, TransitionError, services.item_approve, world.users["reviewer"],
                   confidentiality_checked=False)


@pytest.mark.parametrize("who", ["secretary", "member", "committee_reviewer", "supervisor",
                                 "outsider"])
def test_only_parent_reviewer_approves(world, who):
    """The committee's reviewer reviews the general branch, not its grandchildren."""
    item = world.item(State.SUBMITTED)
    assert_refused(item, PermissionDenied, services.item_approve, world.users[who],
                   confidentiality_checked=True)


@pytest.mark.parametrize("state", [State.DRAFT, State.APPROVED, State.RETURNED])
def test_approve_refused_in_wrong_state(world, state):
    item = world.item(state)
    assert_refused(item, TransitionError, services.item_approve, world.users["reviewer"],
                   confidentiality_checked=True)


def test_reviewer_returns_with_comment(world):
    item = world.item(State.SUBMITTED)
    perform(item, services.item_return, world.users["reviewer"], comment="请补充明细")
    assert item.state == State.RETURNED
    assert item.reviews.get(action=Review.Action.RETURN).comment == "请补充明细"


def test_return_needs_a_comment(world):
    item = world.item(State.SUBMITTED)
    assert_refused(item, TransitionError, services.item_return, world.users["reviewer"],
                   comment="  ")


def test_return_refused_for_wrong_actor_and_state(world):
    item = world.item(State.SUBMITTED)
    assert_refused(item, PermissionDenied, services.item_return, world.users["secretary"],
                   comment="x")
    approved = world.item(State.APPROVED, title="另一事项")
    assert_refused(approved, TransitionError, services.item_return, world.users["reviewer"],
                   comment="x")


def test_secretary_publishes_approved_item_internally(world):
    item = world.item(State.APPROVED)
    perform(item, services.item_publish_internal, world.users["secretary"])
    assert item.state == State.INTERNAL and item.internal_at is not None


def test_publish_internal_refused_for_reviewer_and_unapproved(world):
    item = world.item(State.APPROVED)
    assert_refused(item, PermissionDenied, services.item_publish_internal,
                   world.users["reviewer"])
    submitted = world.item(State.SUBMITTED, title="未审核事项")
    assert_refused(submitted, TransitionError, services.item_publish_internal,
                   world.users["secretary"])


def test_public_release_waits_for_lead_time(world):
    item = world.item(State.INTERNAL)
    assert_refused(item, TransitionError, services.item_release_public, world.users["secretary"])
    DisclosureItem.objects.filter(pk=item.pk).update(
        internal_at=timezone.now() - timedelta(days=3, minutes=1))
    perform(item, services.item_release_public, world.users["secretary"])
    assert item.state == State.PUBLIC and item.public_at is not None


def test_public_release_refused_from_approved(world):
    item = world.item(State.APPROVED)
    assert_refused(item, TransitionError, services.item_release_public, world.users["secretary"])


def test_intra_party_only_item_never_goes_public(world):
    item = world.item(State.INTERNAL, entry="internal")
    DisclosureItem.objects.filter(pk=item.pk).update(
        internal_at=timezone.now() - timedelta(days=365))
    assert_refused(item, TransitionError, services.item_release_public, world.users["secretary"])
    assert_refused(item, TransitionError, services.item_plan_public, world.users["secretary"],
                   when=timezone.now() + timedelta(days=1))


def test_public_release_refused_for_member(world):
    item = world.item(State.INTERNAL)
    DisclosureItem.objects.filter(pk=item.pk).update(
        internal_at=timezone.now() - timedelta(days=30))
    assert_refused(item, PermissionDenied, services.item_release_public, world.users["member"])


def test_plan_public_not_before_lead_time(world):
    item = world.item(State.INTERNAL)
    assert_refused(item, TransitionError, services.item_plan_public, world.users["secretary"],
                   when=timezone.now() + timedelta(days=1))
    perform(item, services.item_plan_public, world.users["secretary"],
            when=timezone.now() + timedelta(days=4))
    assert item.planned_public_at is not None and item.state == State.INTERNAL


def test_planned_release_happens_when_due_and_not_before(world):
    item = world.item(State.INTERNAL)
    when = timezone.now() + timedelta(days=4)
    services.item_plan_public(item_id=item.pk, actor=world.users["secretary"], when=when)
    assert services.release_planned_items(now=timezone.now()) == 0
    DisclosureItem.objects.filter(pk=item.pk).update(
        internal_at=timezone.now() - timedelta(days=5), planned_public_at=timezone.now())
    assert services.release_planned_items() == 1
    assert services.release_planned_items() == 0
    item.refresh_from_db()
    assert item.state == State.PUBLIC
    assert item.reviews.filter(action=Review.Action.RELEASE_PUBLIC).count() == 1
    assert item.reviews.get(action=Review.Action.RELEASE_PUBLIC).actor.is_system


def test_short_term_item_counts_its_display_period_from_the_public_release(world):
    """A 15-working-day item shown to the public counts from its public release, not from
    the intra-party one: the public sees it for the whole period."""
    from portal.calendar import add_working_days

    item = world.item(State.INTERNAL, entry="short")
    assert item.display_until is None  # goes public: the period has not started
    assert services.expire_short_term_items() == 0
    world.walk_public(item)
    item.refresh_from_db()
    today = timezone.localdate()
    assert item.display_until == add_working_days(today - timedelta(days=1), 10)
    assert services.expire_short_term_items() == 0
    DisclosureItem.objects.filter(pk=item.pk).update(display_until=today - timedelta(days=1))
    assert services.expire_short_term_items() == 1
    assert services.expire_short_term_items() == 0
    assert DisclosureItem.objects.get(pk=item.pk).state == State.EXPIRED


def test_intra_party_short_term_item_counts_working_days_from_its_release(world):
    from catalog.models import PublicAudience
    from portal.calendar import add_working_days, is_working_day

    entry = world.entries["short"]
    entry.public_audience = PublicAudience.NONE
    entry.save()
    item = world.item(State.INTERNAL, entry="short")
    today = timezone.localdate()
    assert item.display_until == add_working_days(today - timedelta(days=1), 10)
    working = [today + timedelta(days=n) for n in range((item.display_until - today).days + 1)
               if is_working_day(today + timedelta(days=n))]
    assert len(working) == 10 and working[-1] == item.display_until


def test_create_refused_for_entry_of_unrelated_catalog(world):
    from tests.factories import CatalogEntryFactory, CatalogFactory, OrganizationFactory

    elsewhere = OrganizationFactory(level="committee")
    entry = CatalogEntryFactory(catalog=CatalogFactory(issuer=elsewhere))
    with pytest.raises(TransitionError):
        services.item_create(organization=world.branch, entry=entry,
                             actor=world.users["secretary"], title="标题标题", body="x")
    assert not DisclosureItem.objects.exists()


def test_create_refused_for_member(world):
    with pytest.raises(PermissionDenied):
        services.item_create(organization=world.branch, entry=world.entries["public"],
                             actor=world.users["member"], title="标题标题", body="x")


BAD_TITLES = ["题" * 201, "", "   "]


@pytest.mark.parametrize("title", BAD_TITLES, ids=["201-characters", "empty", "spaces"])
def test_create_refuses_a_blank_or_too_long_title(world, title):
    with pytest.raises(ValidationError) as error:
        services.item_create(organization=world.branch, entry=world.entries["public"],
                             actor=world.users["secretary"], title=title, body="x")
    assert "title" in error.value.message_dict
    assert not DisclosureItem.objects.exists()


@pytest.mark.parametrize("title", BAD_TITLES, ids=["201-characters", "empty", "spaces"])
def test_update_refuses_a_blank_or_too_long_title_and_changes_nothing(world, title):
    item = world.item(State.DRAFT)
    versions = item.history.count()
    with pytest.raises(ValidationError) as error:
        services.item_update(item_id=item.pk, actor=world.users["secretary"], title=title,
                             body="改过的正文")
    assert "title" in error.value.message_dict
    unchanged = DisclosureItem.objects.get(pk=item.pk)
    assert (unchanged.title, unchanged.body) == (item.title, item.body)
    assert unchanged.history.count() == versions


def test_a_title_of_200_characters_is_accepted(world):
    item = services.item_create(organization=world.branch, entry=world.entries["public"],
                                actor=world.users["secretary"], title="题" * 200, body="x")
    services.item_update(item_id=item.pk, actor=world.users["secretary"], title="标" * 200)
    assert DisclosureItem.objects.get(pk=item.pk).title == "标" * 200


def test_timely_item_needs_event_date(world):
    with pytest.raises(ValidationError) as error:
        services.item_create(organization=world.branch, entry=world.entries["timely"],
                             actor=world.users["secretary"], title="发展党员公示", body="x")
    assert "event_date" in error.value.message_dict


def test_periodic_item_needs_a_valid_period(world):
    import datetime as dt

    with pytest.raises(ValidationError):
        services.item_create(
            organization=world.branch, entry=world.entries["periodic"],
            actor=world.users["secretary"], title="党费收缴", body="x",
            period_start=dt.date(2026, 9, 30), period_end=dt.date(2026, 7, 1))
    assert not DisclosureItem.objects.exists()


def test_item_takes_audiences_and_time_from_entry(world):
    item = world.item(State.DRAFT, entry="internal")
    assert (item.party_audience, item.public_audience, item.duration, item.frequency,
            item.category) == ("organization", "none", "long", "timely",
                               world.entries["internal"].category)


def test_nobody_approves_their_own_submission(world):
    from tests.factories import MembershipFactory

    both = world.users["reviewer"]
    MembershipFactory(user=both, organization=world.branch, role="secretary")
    item = world.item(State.DRAFT)
    services.item_submit(item_id=item.pk, actor=both)
    assert_refused(item, TransitionError, services.item_approve, both, confidentiality_checked=True)


def test_public_date_planned_before_internal_release_respects_the_lead_time(world):
    item = world.item(State.APPROVED)
    soon = timezone.now() + timedelta(hours=1)
    services.item_plan_public(item_id=item.pk, actor=world.users["secretary"], when=soon)
    perform(item, services.item_publish_internal, world.users["secretary"])
    assert item.planned_public_at == item.earliest_public_at()


def test_event_date_cannot_lie_in_the_future(world):
    with pytest.raises(ValidationError):
        services.item_create(organization=world.branch, entry=world.entries["timely"],
                             actor=world.users["secretary"], title="发展党员公示", body="x",
                             event_date=timezone.localdate() + timedelta(days=30))


def test_secretary_discards_a_draft_and_its_event_obligation(world):
    from disclosure.models import Obligation

    item = services.item_create(organization=world.branch, entry=world.entries["timely"],
                                actor=world.users["secretary"], title="误建的公示", body="x",
                                event_date=timezone.localdate())
    assert Obligation.objects.filter(draft=item).exists()
    with pytest.raises(PermissionDenied):
        services.item_discard(item_id=item.pk, actor=world.users["member"])
    services.item_discard(item_id=item.pk, actor=world.users["secretary"])
    assert not DisclosureItem.objects.filter(pk=item.pk).exists()
    assert not Obligation.objects.exists()
    submitted = world.item(State.SUBMITTED, title="已提交事项")
    with pytest.raises(TransitionError):
        services.item_discard(item_id=submitted.pk, actor=world.users["secretary"])
