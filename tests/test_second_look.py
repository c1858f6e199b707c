"""The second look: every text that reaches an item's readers (the public included) has been
attested by someone for the confidentiality check (保密审查), as the item's own approval is.
Here the two texts that reached them on one person's word: the conclusion of a 公示 on its
objections, and answers (with their questions) published under a public item."""

from __future__ import annotations

import pytest
from django.test import Client

from disclosure import services
from disclosure.models import Review, State
from feedback.models import Feedback
from portal.workflow import TransitionError

from .disclosure.test_publicity import end_period, handle_all, object_to, publicity_item

pytestmark = pytest.mark.django_db

CONCLUSION = "经支部委员会核实，异议不成立。"
QUESTION, ANSWER = "请问党费收支明细何时公开", "每月五日前在公开栏张贴收支明细"


def as_user(world, name: str | None) -> Client:
    client = Client()
    if name is not None:
        client.force_login(world.users[name])
    return client


# The conclusion of a 公示.


def test_the_publicity_conclusion_needs_the_confidentiality_check(world):
    item = publicity_item(world)
    object_to(world, item)
    item = end_period(item)
    handle_all(world, item)
    sec, url = as_user(world, "secretary"), f"/feedback/objections/{item.pk}/"
    assert 'name="confidentiality_checked"' in sec.get(url).content.decode()

    refused = sec.post(url, {"conclusion": CONCLUSION})
    assert refused.status_code == 200
    assert "confidentiality_checked" in refused.context["form"].errors
    item.refresh_from_db()
    assert not item.publicity_result and not item.publicity_conclusion
    assert CONCLUSION not in Client().get(f"/items/{item.pk}/").content.decode()

    done = sec.post(url, {"conclusion": CONCLUSION, "confidentiality_checked": "on"})
    assert done.status_code == 302 and done.url == f"/items/{item.pk}/"
    review = item.reviews.get(action=Review.Action.CONCLUDE_PUBLICITY)
    assert review.confidentiality_checked and review.actor == world.users["secretary"]
    assert CONCLUSION in Client().get(f"/items/{item.pk}/").content.decode()
    trail = sec.get(f"/items/{item.pk}/").context["reviews"]
    assert any(r.action == Review.Action.CONCLUDE_PUBLICITY and r.confidentiality_checked
               for r in trail)


def test_the_publicity_service_refuses_a_conclusion_without_the_check(world):
    item = publicity_item(world)
    object_to(world, item)
    item = end_period(item)
    handle_all(world, item)
    with pytest.raises(TransitionError):
        services.publicity_conclude(item_id=item.pk, actor=world.users["secretary"],
                                    conclusion=CONCLUSION, confidentiality_checked=False)
    item.refresh_from_db()
    assert not item.publicity_result


# Answers published under a public item.


def ask(world, item) -> Feedback:
    """A member asks under the public item, consenting to publish question and answer; the
    secretary accepts it."""
    as_user(world, "member").post(f"/feedback/new/?item={item.pk}", {
        "body": QUESTION, "allow_publish": "on", "allow_publish_question": "on"})
    feedback = Feedback.objects.get(body=QUESTION)
    as_user(world, "secretary").post(f"/feedback/{feedback.pk}/accept/")
    return feedback


def test_an_answer_without_the_check_is_sent_but_not_published(world):
    item = world.item(State.PUBLIC)
    feedback = ask(world, item)
    sec = as_user(world, "secretary")
    page = sec.get(f"/feedback/{feedback.pk}/")
    assert "confidentiality_checked" in page.context["form"].fields

    sec.post(f"/feedback/{feedback.pk}/reply/", {"text": ANSWER})
    feedback.refresh_from_db()
    assert feedback.state == Feedback.State.REPLIED and feedback.reply == ANSWER
    assert not feedback.confidentiality_checked
    html = Client().get(f"/items/{item.pk}/").content.decode()
    assert ANSWER not in html and QUESTION not in html
    # The submitter reads the answer; the secretary is told nothing was published.
    assert ANSWER in as_user(world, "member").get(f"/feedback/{feedback.pk}/").content.decode()
    assert sec.get(f"/feedback/{feedback.pk}/").context["feedback"].consented_but_unchecked


def test_an_answer_with_the_check_is_published_as_consented(world):
    item = world.item(State.PUBLIC)
    feedback = ask(world, item)
    as_user(world, "secretary").post(f"/feedback/{feedback.pk}/reply/",
                                     {"text": ANSWER, "confidentiality_checked": "on"})
    feedback.refresh_from_db()
    assert feedback.state == Feedback.State.REPLIED and feedback.confidentiality_checked
    assert feedback.history.filter(state=Feedback.State.REPLIED,
                                   confidentiality_checked=True,
                                   history_user=world.users["secretary"]).exists()
    html = Client().get(f"/items/{item.pk}/").content.decode()
    assert ANSWER in html and QUESTION in html


def test_the_check_is_asked_only_where_a_reply_could_be_published(world):
    sec = as_user(world, "secretary")
    as_user(world, "member").post(f"/feedback/new/?org={world.branch.code}",
                                  {"body": "不涉及事项的一条意见"})
    feedback = Feedback.objects.get()
    assert feedback.item_id is None
    sec.post(f"/feedback/{feedback.pk}/accept/")
    assert "confidentiality_checked" not in sec.get(
        f"/feedback/{feedback.pk}/").context["form"].fields


def test_the_check_forgotten_at_the_reply_can_be_attested_after(world):
    item = world.item(State.PUBLIC)
    feedback = ask(world, item)
    sec = as_user(world, "secretary")
    sec.post(f"/feedback/{feedback.pk}/reply/", {"text": ANSWER})
    assert "check_publication" in sec.get(f"/feedback/{feedback.pk}/").context["actions"]
    url = f"/feedback/{feedback.pk}/publication-check/"
    assert as_user(world, "member").post(url, {"confidentiality_checked": "on"}
                                         ).status_code == 404
    sec.post(url, {})  # not ticked: nothing changes
    assert ANSWER not in Client().get(f"/items/{item.pk}/").content.decode()
    sec.post(url, {"confidentiality_checked": "on"})
    feedback.refresh_from_db()
    assert feedback.confidentiality_checked and feedback.handled_by == world.users["secretary"]
    html = Client().get(f"/items/{item.pk}/").content.decode()
    assert ANSWER in html and QUESTION in html
    assert "check_publication" not in sec.get(f"/feedback/{feedback.pk}/").context["actions"]
