"""Information arrives in time and reads as people read it: notifications name their item
and carry the reason of a return; messages say what happened and what comes next; dates
are local (Asia/Shanghai) and in the page language's format, on screens and in exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from archive import services as archive_services
from archive.models import ArchiveRecord
from catalog.models import CatalogEntry
from disclosure import services
from disclosure.models import DisclosureItem, State
from feedback import services as feedback_services
from portal.models import Notification
from portal.notifications import email_text
from tests.factories import feedback_admin, open_campaign

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
REASON = "请补充支部委员会会议记录"


def logged_in(world, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def text_of(html: str) -> str:
    """The page's words without its tags, as a reader (or a screen reader) gets them."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def returned_item(world) -> DisclosureItem:
    item = world.item(State.SUBMITTED, title="第三季度党费收缴情况")
    services.item_return(item_id=item.pk, actor=world.users["reviewer"], comment=REASON)
    return item


# Notifications.

def test_returned_item_notification_names_the_item_and_the_reason(world):
    item = returned_item(world)
    page = text_of(logged_in(world, "secretary").get("/notifications/").content.decode())
    assert f"退回修改：“{item.title}”" in page  # the row's heading names the item
    assert f"原因：{REASON}" in page
    note = Notification.objects.get(recipient=world.users["secretary"], kind="item.returned")
    detail = text_of(logged_in(world, "secretary").get(f"/notifications/{note.pk}/")
                     .content.decode())
    assert item.title in detail and REASON in detail
    subject, body = email_text(note)  # the e-mail stays neutral
    assert item.title not in subject + body and REASON not in subject + body


def test_return_reason_reaches_only_readers_of_the_workflow(world):
    """A member reading the item once it is published does not read the reviewer's reason
    (the review trail is the officers', reviewers' and supervisors')."""
    item = returned_item(world)
    services.item_submit(item_id=item.pk, actor=world.users["secretary"])
    services.item_approve(item_id=item.pk, actor=world.users["reviewer"],
                          confidentiality_checked=True)
    services.item_publish_internal(item_id=item.pk, actor=world.users["secretary"])
    Notification.objects.create(recipient=world.users["member"], kind="item.returned",
                                target_id=item.pk)
    page = text_of(logged_in(world, "member").get("/notifications/").content.decode())
    assert item.title in page and REASON not in page
    outsider = Notification.objects.create(recipient=world.users["other_member"],
                                           kind="item.returned", target_id=item.pk)
    other = text_of(logged_in(world, "other_member").get(f"/notifications/{outsider.pk}/")
                    .content.decode())
    assert item.title not in other and REASON not in other


def test_sent_back_rectification_notification_names_the_finding_and_the_reason(world):
    order = feedback_services.rectification_order(
        organization=world.branch, actor=world.users["supervisor"],
        finding="党费收缴情况未按季度公开", requirement="补充公开",
        due_date=timezone.localdate() + dt.timedelta(days=10))
    feedback_services.rectification_respond(order_id=order.pk, actor=world.users["secretary"],
                                            response="已在公开栏补充公开。")
    feedback_services.rectification_verify(order_id=order.pk, actor=world.users["supervisor"],
                                           accept=False, comment="缺少公开栏照片")
    page = text_of(logged_in(world, "secretary").get("/notifications/").content.decode())
    assert "整改被退回：“党费收缴情况未按季度公开”" in page
    assert "原因：缺少公开栏照片" in page


# The item page.

def test_return_reason_heads_the_actions_of_a_returned_item(world):
    item = returned_item(world)
    html = logged_in(world, "secretary").get(f"/items/{item.pk}/").content.decode()
    block = html.index('class="notice return-reason"')
    assert REASON in html[block:html.index("</blockquote>", block)]
    assert block < html.index(f"/items/{item.pk}/submit/")  # above the resubmit button


def test_plan_form_says_the_earliest_public_date_in_local_format(world):
    item = world.item(State.INTERNAL)
    CatalogEntry.objects.filter(pk=item.entry_id).update(lead_days=2)
    # Released within the party at 17:30 UTC: the next day in Beijing.
    internal_at = (timezone.now() + dt.timedelta(days=10)).replace(
        hour=17, minute=30, second=0, microsecond=0)
    DisclosureItem.objects.filter(pk=item.pk).update(internal_at=internal_at)
    earliest = timezone.localtime(internal_at + dt.timedelta(days=2))
    said = f"最早可于 {chinese_date(earliest.date())} {earliest:%H:%M} 公开"
    client = logged_in(world, "secretary")
    page = text_of(client.get(f"/items/{item.pk}/").content.decode())
    assert said in page
    assert f"{earliest:%Y-%m-%d}" not in page  # no ISO date for people
    too_early = earliest - dt.timedelta(days=1)
    response = client.post(f"/items/{item.pk}/plan-public/",
                           {"when": too_early.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert said in text_of(response.content.decode())
    assert DisclosureItem.objects.get(pk=item.pk).planned_public_at is None


# Messages.

def test_feedback_steps_say_what_happened_and_what_comes_next(world):
    feedback = feedback_services.feedback_submit(
        organization=world.branch, item=None, author=world.users["member"],
        body="建议按月公开党费收支。", address="10.0.0.1")
    client = logged_in(world, "secretary")
    said = []
    for step, data in [("accept", {}), ("reply", {"text": "下月起按月公开收支明细。"})]:
        response = client.post(f"/feedback/{feedback.pk}/{step}/", data, follow=True)
        said.append(text_of(response.content.decode()))
    assert "已受理" in said[0] and "已保存。" not in said[0]
    assert "已回复，留言人将收到通知。" in said[1]


# Ballots.

def test_ballot_pages_say_whether_the_evaluation_is_anonymous(world):
    campaign = open_campaign([world.branch], feedback_admin(), title="2026年度民主评议",
                             period_label="2026年度")
    member = logged_in(world, "member")
    assert "实名评议" in text_of(member.get(f"/evaluation/{campaign.pk}/").content.decode())
    assert "实名评议" in text_of(member.get("/evaluation/").content.decode())
    resident = text_of(Client().get(f"/evaluation/{campaign.pk}/resident/").content.decode())
    assert "匿名评议：您的选择不与您的姓名关联" in resident


# Dates and the supervisors' pages.

def test_register_export_carries_the_local_date(world):
    item = world.item(State.INTERNAL, title="归档日期事项")
    record = archive_services.archive_item(item_id=item.pk, actor=world.users["secretary"])
    ArchiveRecord.objects.filter(pk=record.pk).update(
        archived_at=dt.datetime(2026, 11, 30, 1, 0, tzinfo=SHANGHAI))  # 29 Nov 17:00 UTC
    rows = list(csv.reader(io.StringIO(logged_in(world, "secretary")
                                       .get("/archive/export.csv").content.decode("utf-8-sig"))))
    row = next(r for r in rows if "归档日期事项" in r)
    assert "2026-11-30" in row and "2026-11-29" not in row


def test_compliance_csv_has_the_columns_of_the_screen(world):
    client = logged_in(world, "supervisor")
    html = client.get("/supervision/").content.decode()
    thead = html[html.index("<thead>", html.index('class="compliance')):]
    thead = thead[:thead.index("</thead>")]
    screen = [text_of(cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", thead)]
    screen = [heading for heading in screen if heading]
    header = next(csv.reader(io.StringIO(client.get("/supervision/?format=csv")
                                         .content.decode("utf-8-sig"))))
    assert header == screen
    assert "公开台账：未登记" in header and "开放的反馈" in header or len(header) == 15


def test_trend_axis_names_the_year(world):
    html = logged_in(world, "supervisor").get("/supervision/").content.decode()
    labels = html[html.index('class="trend-labels"'):]
    labels = labels[:labels.index("</div>")]
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月" in text_of(labels)


def test_history_rows_name_the_organization(world):
    item = world.item(State.DRAFT, title="历史记录事项")
    client = logged_in(world, "supervisor")
    html = client.get("/supervision/history/").content.decode()
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    row = next(r for r in body.split("<tr>") if "历史记录事项" in r)
    assert world.branch.name in row
    timeline = client.get(f"/supervision/history/item/{item.pk}/").content.decode()
    assert world.branch.name in timeline
