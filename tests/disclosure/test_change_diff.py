"""The change request's page compares the text as it was when requested with the proposed
text, both rendered as on the item page, the differences marked; and the one who asked may
withdraw a request while it waits."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.test import Client

from disclosure import services, textdiff
from disclosure.models import ChangeRequest, State
from portal.models import Event
from tests.test_todo import client_for

pytestmark = pytest.mark.django_db

OLD_BODY = "第一段：本季度收缴**党费**一万二千元。\n\n第二段：已全部上缴。"
NEW_BODY = "第一段：本季度收缴**党费**一万三千元。\n\n第二段：已全部上缴。<script>alert(1)</script>"


def request_change(world, **kwargs):
    item = world.item(State.PUBLIC, title="党费收缴情况公开")
    item.__class__.objects.filter(pk=item.pk).update(body=OLD_BODY)
    fields = {"kind": "change", "new_title": "党费收缴情况公开（更正）",
              "new_body": NEW_BODY, "explanation": "更正收缴金额。", **kwargs}
    return services.change_submit(item_id=item.pk, actor=world.users["secretary"], **fields)


def sides(html: str) -> tuple[str, str]:
    old = html.split('id="old-heading"', 1)[1].split("</section>", 1)[0]
    new = html.split('id="new-heading"', 1)[1].split("</section>", 1)[0]
    return old, new


def test_the_approver_sees_both_versions_rendered_with_the_differences_marked(world):
    change = request_change(world)
    html = client_for(world.users["committee_reviewer"]).get(
        f"/changes/{change.pk}/").content.decode()
    old, new = sides(html)
    assert "<strong>党费</strong>" in old and "<strong>党费</strong>" in new  # rendered
    assert "**" not in old + new and "<script>" not in html.split("<main", 1)[1]
    # One character changed in a sentence with no spaces: only it is marked.
    assert "<del>二</del>" in old and "<ins>三</ins>" in new
    assert "<ins>（更正）</ins>" in new and "<del>" not in new and "<ins>" not in old
    assert "第二段：已全部上缴。" in re.sub(r"</?(del|ins)>", "", old)
    assert "已全部上缴" not in re.findall(r"<ins>(.*?)</ins>", new)
    assert "<del>删除的文字</del>" in html and "<ins>新增的文字</ins>" in html  # legend


def test_after_approval_the_old_side_still_shows_the_old_text(world):
    change = request_change(world)
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                           approve=True, confidentiality_checked=True)
    change.item.refresh_from_db()
    assert "一万三千元" in change.item.body
    html = client_for(world.users["secretary"]).get(f"/changes/{change.pk}/").content.decode()
    old, new = sides(html)
    assert "一万<del>二</del>千元" in old and "一万<ins>三</ins>千元" in new
    assert "党费收缴情况公开（更正）" not in re.sub(r"</?(del|ins)>", "", old)


def test_a_withdrawal_shows_the_text_it_would_take_down_unmarked(world):
    change = request_change(world, kind="withdraw", new_title="", new_body="")
    html = client_for(world.users["committee_reviewer"]).get(
        f"/changes/{change.pk}/").content.decode()
    assert "一万二千元" in html and "<del>" not in html.split("<main", 1)[1].split(
        'id="old-heading"', 1)[1]
    assert 'id="new-heading"' not in html


def test_the_diff_marks_words_of_latin_text_and_keeps_the_markup_whole():
    marked = textdiff.body_sides("The *quick* fox jumps.", "The *slow* fox jumps.")
    assert marked.old == "<p>The <em><del>quick</del></em> fox jumps.</p>"
    assert marked.new == "<p>The <em><ins>slow</ins></em> fox jumps.</p>"
    assert marked.changed and not textdiff.body_sides("同样", "同样").changed
    title = textdiff.title_sides("<b>旧</b>", "<b>新</b>")
    assert "&lt;b&gt;" in title.old and "<b>" not in title.old


def test_the_requester_withdraws_a_pending_request(world):
    change = request_change(world)
    secretary = world.users["secretary"]
    page = client_for(secretary).get(f"/changes/{change.pk}/").content.decode()
    assert f"/changes/{change.pk}/withdraw/" in page
    reviewer = client_for(world.users["committee_reviewer"])
    assert f"/changes/{change.pk}/" in reviewer.get("/todo/").content.decode()
    response = client_for(secretary).post(f"/changes/{change.pk}/withdraw/",
                                          {"comment": "数字已核对无误"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.WITHDRAWN and change.withdrawn_at
    assert change.comment == "数字已核对无误"
    event = Event.objects.get(object_id=change.pk, action="withdraw")
    assert event.actor == secretary and event.comment == "数字已核对无误"
    assert change.history.count() == 2  # requested, withdrawn: the request is kept
    todo_html = reviewer.get("/todo/").content.decode()
    assert f"/changes/{change.pk}/" not in todo_html
    assert "没有等待您处理的事项" in todo_html
    assert "撤回此申请" not in reviewer.get(f"/changes/{change.pk}/").content.decode()
    # The item may be the subject of a new request.
    services.change_submit(item_id=change.item_id, actor=secretary, kind="withdraw",
                           explanation="该事项内容有误，予以撤销。")


@pytest.mark.parametrize("who", ["committee_member", "committee_reviewer", "other_secretary"])
def test_no_one_else_withdraws_a_request(world, who):
    change = request_change(world)
    client = client_for(world.users[who])
    assert "撤回此申请" not in client.get(f"/changes/{change.pk}/").content.decode()
    client.post(f"/changes/{change.pk}/withdraw/")
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.SUBMITTED
    assert not Event.objects.filter(object_id=change.pk, action="withdraw").exists()


def test_a_decided_request_cannot_be_withdrawn(world):
    change = request_change(world)
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                           approve=False, comment="金额与账目不符，请核对。")
    secretary = client_for(world.users["secretary"])
    assert "撤回此申请" not in secretary.get(f"/changes/{change.pk}/").content.decode()
    response = secretary.post(f"/changes/{change.pk}/withdraw/", follow=True)
    assert "只有待审批的申请可以撤回。" in response.content.decode()
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.REJECTED


def test_anonymous_visitors_cannot_withdraw(world):
    change = request_change(world)
    response = Client().post(f"/changes/{change.pk}/withdraw/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.SUBMITTED


def test_requests_made_before_snapshots_get_the_text_of_their_time(world):
    change = request_change(world)
    services.change_decide(request_id=change.pk, actor=world.users["committee_reviewer"],
                           approve=True, confidentiality_checked=True)
    ChangeRequest.objects.filter(pk=change.pk).update(old_title="", old_body="")
    migration = importlib.import_module(
        "disclosure.migrations.0023_change_request_snapshot_and_withdrawal")
    migration.snapshot_old_text(apps, None)
    change.refresh_from_db()
    assert change.old_title == "党费收缴情况公开"
    # The body was set without history in this test; the item's saved history is what
    # the backfill reads, as it stood when the change was requested.
    assert change.old_body == change.item.history.filter(
        history_date__lte=change.requested_at).order_by("-history_date").first().body
