"""Changes and withdrawals: approved by the catalog-setting organization; the old version
stays in history; the explanation is published where the item was visible."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from disclosure import services
from disclosure.models import ChangeRequest, DisclosureItem, State
from portal.workflow import TransitionError

pytestmark = pytest.mark.django_db


def withdraw(world, item: DisclosureItem, explanation: str) -> None:
    """The secretary asks to withdraw ``item``; the committee, which set the catalog,
    approves."""
    change = services.change_submit(item_id=item.pk, actor=world.users["secretary"],
                                    kind="withdraw", explanation=explanation)
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                           approve=True, confidentiality_checked=True)


def test_published_item_cannot_be_edited_in_place(world):
    item = world.item(State.PUBLIC)
    with pytest.raises(TransitionError):
        services.item_update(item_id=item.pk, actor=world.users["secretary"], title="直接修改")


def test_approved_change_makes_a_new_version(world):
    item = world.item(State.PUBLIC, title="原标题公开事项")
    change = services.change_submit(item_id=item.pk, actor=world.users["secretary"],
                                    kind="change", new_title="更正后的标题",
                                    new_body="更正后的正文", explanation="更正第二段的数字。")
    with pytest.raises(PermissionDenied):  # the parent's reviewer did not set the catalog
        services.change_decide(request_id=change.pk, actor=world.users["reviewer"], approve=True)
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                          approve=True, confidentiality_checked=True)
    item.refresh_from_db()
    assert (item.title, item.body, item.state) == ("更正后的标题", "更正后的正文", State.PUBLIC)
    assert "原标题公开事项" in item.history.values_list("title", flat=True)
    html = Client().get(f"/items/{item.pk}/").content.decode()
    assert "更正第二段的数字。" in html


def test_withdrawal_keeps_a_public_notice_with_the_explanation(world):
    item = world.item(State.PUBLIC, title="将被撤销的事项")
    withdraw(world, item, "该事项内容有误，予以撤销。")
    item.refresh_from_db()
    assert item.state == State.WITHDRAWN
    page = Client().get(f"/items/{item.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "予以撤销" in html and item.body not in html
    assert Client().get("/feeds/items.atom").content.decode().count("将被撤销") == 0


def test_withdrawn_internal_item_stays_hidden_from_the_public(world):
    item = world.item(State.INTERNAL, title="党内撤销事项")
    withdraw(world, item, "党内撤销说明文字")
    assert Client().get(f"/items/{item.pk}/").status_code == 404
    member = Client()
    member.force_login(world.users["member"])
    assert "党内撤销说明文字" in member.get(f"/items/{item.pk}/").content.decode()


def test_wrong_actor_state_and_duplicates(world):
    item = world.item(State.PUBLIC)
    with pytest.raises(PermissionDenied):
        services.change_submit(item_id=item.pk, actor=world.users["member"], kind="withdraw",
                               explanation="成员不能申请")
    draft = world.item(State.DRAFT, title="草稿事项")
    with pytest.raises(TransitionError):
        services.change_submit(item_id=draft.pk, actor=world.users["secretary"],
                               kind="withdraw", explanation="草稿不能撤销")
    with pytest.raises(ValidationError):
        services.change_submit(item_id=item.pk, actor=world.users["secretary"], kind="change",
                               explanation="缺少新内容")
    change = services.change_submit(item_id=item.pk, actor=world.users["secretary"],
                                    kind="withdraw", explanation="撤销说明文字")
    with pytest.raises(TransitionError):
        services.change_submit(item_id=item.pk, actor=world.users["secretary"],
                               kind="withdraw", explanation="重复申请文字")
    with pytest.raises(TransitionError):
        services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                              approve=False)
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                          approve=False, comment="理由不充分")
    assert DisclosureItem.objects.get(pk=item.pk).state == State.PUBLIC
    assert ChangeRequest.objects.get().state == "rejected"


def test_approver_reads_the_request_but_not_the_item(world):
    item = world.item(State.INTERNAL, title="党内变更事项")
    change = services.change_submit(item_id=item.pk, actor=world.users["secretary"],
                                    kind="change", new_title="新标题", new_body="新正文",
                                    explanation="变更说明文字")
    approver = Client()
    approver.force_login(world.users["committee_reviewer"])
    assert "approve" in approver.get(f"/changes/{change.pk}/").context["actions"]
    assert approver.get(f"/items/{item.pk}/").status_code == 404
    assert change in list(approver.get("/changes/").context["pending"])
    outsider = Client()
    outsider.force_login(world.users["other_member"])
    assert outsider.get(f"/changes/{change.pk}/").status_code == 404


def test_change_inbox_lists_pending_requests_for_approvers_and_superusers_only(world):
    from tests.factories import UserFactory

    change = services.change_submit(item_id=world.item(State.PUBLIC).pk,
                                    actor=world.users["secretary"], kind="withdraw",
                                    explanation="撤销说明文字")
    pages = {}
    for name, user in [("approver", world.users["committee_reviewer"]),
                       ("superuser", UserFactory(is_superuser=True)),
                       ("member", world.users["member"])]:
        client = Client()
        client.force_login(user)
        pages[name] = client.get("/changes/")
    assert list(pages["approver"].context["pending"]) == [change]
    assert list(pages["superuser"].context["pending"]) == [change]
    assert pages["member"].status_code == 404
