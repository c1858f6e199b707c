"""Nothing is lost by one click: archiving and deleting a draft ask for a confirmation
that says what will happen (without JavaScript), and a planned public release can be
taken back."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from archive.models import ArchiveRecord
from disclosure import services
from disclosure.models import Attachment, DisclosureItem, Review, State
from tests.test_browser import browser, login, shot  # noqa: F401 - the Chromium fixture

pytestmark = pytest.mark.django_db


def logged_in(world, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def snapshot(item: DisclosureItem) -> tuple:
    item.refresh_from_db()
    return (item.state, item.archived_at, item.planned_public_at, item.reviews.count(),
            item.history.count(), ArchiveRecord.objects.count())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def levels_of(response) -> list[str]:
    return [m.level_tag for m in response.context["messages"]]


# 归档: a confirmation first


def test_the_archive_button_leads_to_a_confirmation_not_to_the_archive(world):
    item = world.item(State.INTERNAL, title="支部委员分工（待归档）")
    page = logged_in(world, "secretary").get(f"/items/{item.pk}/").content.decode()
    assert f'href="/items/{item.pk}/archive/"' in page
    assert f'action="/items/{item.pk}/archive/"' not in page  # no one-click post


def test_archive_confirmation_says_what_happens_and_changes_nothing(world):
    item = world.item(State.INTERNAL, title="支部委员分工（待归档）")
    before = snapshot(item)
    response = logged_in(world, "secretary").get(f"/items/{item.pk}/archive/")
    assert response.status_code == 200
    text = response.content.decode()
    year = timezone.localtime(item.internal_at).year
    assert "支部委员分工（待归档）" in text
    assert "档号" in text and f"B1-{year}-" in text
    assert "原链接保持有效" in text  # readable afterwards
    assert "此后不能再进行的操作" in text
    assert "变更申请" in text and "向党外公开" in text  # what ends
    assert "归档不可撤回" in text
    assert 'name="confirm" value="yes"' in text
    assert snapshot(item) == before


def test_an_unconfirmed_archive_post_shows_the_confirmation_and_archives_nothing(world):
    item = world.item(State.INTERNAL)
    before = snapshot(item)
    response = logged_in(world, "secretary").post(f"/items/{item.pk}/archive/")
    assert response.status_code == 200
    assert response.templates[0].name == "disclosure/confirm.html"
    response = logged_in(world, "secretary").post(f"/items/{item.pk}/archive/",
                                                  {"confirm": "no"})
    assert response.status_code == 200
    assert snapshot(item) == before


def test_the_confirmed_archive_files_the_item_and_says_so(world):
    item = world.item(State.PUBLIC)
    response = logged_in(world, "secretary").post(f"/items/{item.pk}/archive/",
                                                  {"confirm": "yes"}, follow=True)
    record = ArchiveRecord.objects.get()
    assert response.redirect_chain[-1][0] == f"/archive/{record.archive_number}/"
    assert any(record.archive_number in m and "原链接保持有效" in m
               for m in messages_of(response))
    item.refresh_from_db()
    assert item.state == State.ARCHIVED


@pytest.mark.parametrize("name", ["member", "other_secretary", "reviewer", "outsider"])
def test_wrong_people_get_404_for_the_archive_confirmation(world, name):
    item = world.item(State.PUBLIC)
    before = snapshot(item)
    client = logged_in(world, name)
    assert client.get(f"/items/{item.pk}/archive/").status_code == 404
    assert client.post(f"/items/{item.pk}/archive/", {"confirm": "yes"}).status_code == 404
    assert snapshot(item) == before


def test_anonymous_visitors_are_sent_to_sign_in_and_archive_nothing(world):
    item = world.item(State.PUBLIC)
    before = snapshot(item)
    response = Client().post(f"/items/{item.pk}/archive/", {"confirm": "yes"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert snapshot(item) == before


def test_no_confirmation_is_offered_for_what_cannot_be_archived(world):
    item = world.item(State.APPROVED)
    before = snapshot(item)
    response = logged_in(world, "secretary").get(f"/items/{item.pk}/archive/", follow=True)
    assert response.redirect_chain[-1][0] == f"/items/{item.pk}/"
    assert levels_of(response) == ["error"]
    assert snapshot(item) == before


# 删除此草稿: the confirmation names the draft and what goes with it


def test_the_delete_button_leads_to_a_confirmation(world):
    item = world.item(State.DRAFT)
    page = logged_in(world, "secretary").get(f"/items/{item.pk}/").content.decode()
    assert f'href="/items/{item.pk}/discard/"' in page
    assert f'action="/items/{item.pk}/discard/"' not in page


def test_delete_confirmation_names_the_draft_and_its_attachments(world):
    item = world.item(State.DRAFT, title="换届选举筹备情况草稿", attachment=b"notes")
    for method in ("get", "post"):  # a post without the confirmation deletes nothing
        response = getattr(logged_in(world, "secretary"), method)(f"/items/{item.pk}/discard/")
        assert response.status_code == 200
        text = response.content.decode()
        assert "换届选举筹备情况草稿" in text and "附件.txt" in text
        assert "删除后不可恢复" in text and "删除草稿及其附件" in text
    assert DisclosureItem.objects.filter(pk=item.pk).exists()
    assert Attachment.objects.filter(item=item).count() == 1


def test_the_confirmed_delete_removes_the_draft_with_its_files(
        world, django_capture_on_commit_callbacks):
    item = world.item(State.DRAFT, title="误建的草稿", attachment=b"notes")
    path = item.attachments.get().file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(world, "secretary").post(f"/items/{item.pk}/discard/",
                                                      {"confirm": "yes"}, follow=True)
    assert response.redirect_chain[0][0] == "/workspace/?org=B1"
    assert any("误建的草稿" in m for m in messages_of(response))
    assert not DisclosureItem.objects.filter(pk=item.pk).exists()
    assert not Attachment.objects.exists()
    assert not os.path.exists(path)


@pytest.mark.parametrize("name", ["member", "reviewer", "other_secretary", "supervisor"])
def test_wrong_people_cannot_reach_the_delete_confirmation(world, name):
    item = world.item(State.DRAFT)
    client = logged_in(world, name)
    assert client.get(f"/items/{item.pk}/discard/").status_code == 404
    assert client.post(f"/items/{item.pk}/discard/", {"confirm": "yes"}).status_code == 404
    assert DisclosureItem.objects.filter(pk=item.pk).exists()


def test_a_submitted_item_is_not_deleted_even_when_confirmed(world):
    item = world.item(State.SUBMITTED)
    before = snapshot(item)
    response = logged_in(world, "secretary").post(f"/items/{item.pk}/discard/",
                                                  {"confirm": "yes"}, follow=True)
    assert levels_of(response) == ["error"]
    assert snapshot(item) == before


# Cancelling a planned public release


def planned(world, days: int = 5) -> DisclosureItem:
    item = world.item(State.INTERNAL)
    DisclosureItem.objects.filter(pk=item.pk).update(
        internal_at=timezone.now() - timedelta(days=30))
    services.item_plan_public(item_id=item.pk, actor=world.users["secretary"],
                              when=timezone.now() + timedelta(days=days))
    item.refresh_from_db()
    return item


def test_the_secretary_cancels_a_planned_release_and_it_is_recorded(world):
    item = planned(world)
    when = item.planned_public_at
    sec = logged_in(world, "secretary")
    assert 'id="cancel-plan"' in sec.get(f"/items/{item.pk}/").content.decode()
    history_before = item.history.count()
    response = sec.post(f"/items/{item.pk}/cancel-plan/", follow=True)
    assert any("已取消原定于" in m and "重新设定时间" in m for m in messages_of(response))
    item.refresh_from_db()
    assert item.planned_public_at is None and item.state == State.INTERNAL
    review = item.reviews.last()
    assert (review.action, review.actor) == (Review.Action.CANCEL_PLAN, world.users["secretary"])
    assert review.comment == timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
    assert item.history.count() == history_before + 1
    assert item.history.first().history_user == world.users["secretary"]
    assert 'id="cancel-plan"' not in sec.get(f"/items/{item.pk}/").content.decode()


def test_the_scheduler_releases_nothing_once_the_plan_is_cancelled(world):
    item = planned(world, days=1)
    services.item_cancel_plan(item_id=item.pk, actor=world.users["secretary"])
    assert services.release_planned_items(now=timezone.now() + timedelta(days=2)) == 0
    item.refresh_from_db()
    assert item.state == State.INTERNAL


def test_a_cancelled_plan_can_be_planned_again(world):
    item = planned(world)
    sec = logged_in(world, "secretary")
    sec.post(f"/items/{item.pk}/cancel-plan/")
    when = timezone.localtime() + timedelta(days=7)
    sec.post(f"/items/{item.pk}/plan-public/", {"when": when.strftime("%Y-%m-%dT%H:%M")})
    item.refresh_from_db()
    assert item.planned_public_at is not None
    assert [r.action for r in item.reviews.filter(
        action__in=["plan_public", "cancel_plan"])] == ["plan_public", "cancel_plan",
                                                         "plan_public"]


@pytest.mark.parametrize("name", ["member", "reviewer", "other_secretary", "supervisor"])
def test_wrong_people_cannot_cancel_a_plan(world, name):
    item = planned(world)
    before = snapshot(item)
    assert logged_in(world, name).post(f"/items/{item.pk}/cancel-plan/").status_code == 404
    assert snapshot(item) == before


def test_cancelling_without_a_plan_is_refused_and_changes_nothing(world):
    item = world.item(State.INTERNAL)
    before = snapshot(item)
    response = logged_in(world, "secretary").post(f"/items/{item.pk}/cancel-plan/",
                                                  follow=True)
    assert any("未设定党外公开时间" in m for m in messages_of(response))
    assert snapshot(item) == before
    assert Client().post(f"/items/{item.pk}/cancel-plan/").status_code == 302  # sign in
    assert logged_in(world, "secretary").get(
        f"/items/{item.pk}/cancel-plan/").status_code == 405


# In a real browser: the 归档 button shows the confirmation before anything happens


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clicking_archive_shows_the_confirmation_first(world, live_server,
                                                      browser):  # noqa: F811 - the fixture
    item = world.item(State.PUBLIC, title="支部党员大会决议公开")
    page = login(browser, live_server, "secretary")
    page.goto(f"{live_server.url}/items/{item.pk}/")
    page.click("a#archive-item:has-text('归档')")
    page.wait_for_selector("#confirm h1:has-text('支部党员大会决议公开')")
    shot(page, "forgiving-archive-confirmation")
    body = page.inner_text("#confirm")
    assert "档号" in body and "原链接保持有效" in body and "归档不可撤回" in body
    assert snapshot(item)[0] == State.PUBLIC and not ArchiveRecord.objects.exists()
    page.click("#cancel-link")  # going back changes nothing
    page.wait_for_url(f"{live_server.url}/items/{item.pk}/")
    assert not ArchiveRecord.objects.exists()
    page.click("a#archive-item")
    page.click("#confirm-button")
    page.wait_for_selector(".msg.success")
    record = ArchiveRecord.objects.get()
    assert page.url.endswith(f"/archive/{record.archive_number}/")
    item.refresh_from_db()
    assert item.state == State.ARCHIVED
