"""Nothing the user typed or chose is lost, nothing is created twice: files go with their
form or the post is refused, limits are stated before input, refused and rate-limited
forms come back filled in, a form sent twice makes one record, and a period's prepared
draft is opened instead of a second one."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.utils import timezone

from disclosure import obligations
from disclosure.models import (
    Attachment,
    DisclosureItem,
    DisclosureRequest,
    NonDisclosureFiling,
    Obligation,
    State,
)
from feedback.models import Feedback
from portal import idempotency

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def as_user(world, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def token(page) -> str:
    found = re.search(rf'name="{idempotency.FIELD}" value="([0-9a-f]{{32}})"',
                      page.content.decode())
    assert found, "the form carries no token"
    return found.group(1)


def files_on_disk(settings) -> list[str]:
    return [name for _root, _dirs, names in os.walk(settings.MEDIA_ROOT) for name in names]


def new_url(world, entry: str = "public") -> str:
    return f"/workspace/{world.branch.code}/new/{world.entries[entry].pk}/"


# 1. Attachments go with their form, or the post is refused -----------------------------

def test_the_draft_form_takes_attachments_and_saves_them_with_the_draft(world):
    client = as_user(world, "secretary")
    page = client.get(new_url(world))
    assert 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(new_url(world), {
        "title": "班子分工调整公开", "body": "正文", idempotency.FIELD: token(page),
        "attachments": [SimpleUploadedFile("分工.pdf", PDF),
                        SimpleUploadedFile("说明.txt", "说明".encode())]})
    item = DisclosureItem.objects.get(title="班子分工调整公开")
    assert response.status_code == 302
    assert sorted(item.attachments.values_list("original_name", flat=True)) == [
        "分工.pdf", "说明.txt"]


def test_a_refused_attachment_saves_neither_draft_nor_file(world, settings):
    client = as_user(world, "secretary")
    response = client.post(new_url(world), {
        "title": "班子分工调整公开", "body": "正文",
        "attachments": [SimpleUploadedFile("好.pdf", PDF),
                        SimpleUploadedFile("坏.pdf", b"not a pdf at all")]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "坏.pdf" in page and "班子分工调整公开" in page  # said which, kept the text
    assert not DisclosureItem.objects.filter(title="班子分工调整公开").exists()
    assert not Attachment.objects.exists() and files_on_disk(settings) == []


def test_editing_a_draft_adds_the_files_chosen_in_the_form(world):
    item = world.item(State.DRAFT)
    client = as_user(world, "secretary")
    response = client.post(f"/items/{item.pk}/edit/", {
        "title": item.title, "body": "新的正文",
        "attachments": [SimpleUploadedFile("补充.pdf", PDF)]})
    assert response.status_code == 302
    assert list(item.attachments.values_list("original_name", flat=True)) == ["补充.pdf"]


def test_submitting_with_a_file_the_submit_form_does_not_take_is_refused(world):
    item = world.item(State.DRAFT)
    client = as_user(world, "secretary")
    response = client.post(f"/items/{item.pk}/submit/", {
        "comment": "请审核", "file": SimpleUploadedFile("未上传.pdf", PDF)},
        HTTP_REFERER=f"http://testserver/items/{item.pk}/", follow=True)
    item.refresh_from_db()
    assert item.state == State.DRAFT and not Attachment.objects.exists()
    assert "未上传.pdf" in response.content.decode()


def test_a_form_without_file_fields_refuses_files_and_keeps_the_text(world):
    client = as_user(world, "member")
    response = client.post(f"/requests/new/?org={world.branch.code}", {
        "subject": "请公开党费使用明细", "file": SimpleUploadedFile("证明.pdf", PDF)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "证明.pdf" in page and "请公开党费使用明细" in page
    assert not DisclosureRequest.objects.exists()


def test_the_upload_form_refuses_a_second_file_field_it_does_not_take(world, settings):
    item = world.item(State.DRAFT)
    client = as_user(world, "secretary")
    client.post(f"/items/{item.pk}/attachments/", {
        "file": SimpleUploadedFile("一.pdf", PDF), "other": SimpleUploadedFile("二.pdf", PDF)})
    assert not Attachment.objects.exists() and files_on_disk(settings) == []


# 2. Limits shown before input; nothing cut silently -------------------------------------

def test_upload_fields_state_size_and_types_before_anything_is_chosen(world, settings):
    item = world.item(State.DRAFT)
    page = as_user(world, "secretary").get(f"/items/{item.pk}/").content.decode()
    assert filesizeformat(settings.ATTACHMENT_MAX_BYTES) in page
    assert ".pdf" in page and ".docx" in page
    assert 'data-max-bytes="' in page and 'accept=".' in page
    assert "data-unsent-for=" in page


def test_long_text_fields_carry_their_limit_and_a_counter(world):
    page = Client().get(f"/feedback/new/?org={world.branch.code}").content.decode()
    assert 'maxlength="5000"' in page and 'data-counter-for="id_body"' in page
    assert "5000" in re.search(r'data-counter-for="id_body"[^>]*>([^<]*)<', page).group(1)
    assert "forms.js" in page


def test_a_too_long_application_is_refused_not_cut(world):
    from disclosure import services

    with pytest.raises(Exception) as refused:
        services.request_submit(organization=world.branch, applicant=world.users["member"],
                                subject="请公开" * 100)
    assert "subject" in refused.value.message_dict
    assert not DisclosureRequest.objects.exists()


# 3. A rate-limited form comes back filled in ---------------------------------------------

def test_a_rate_limited_feedback_comes_back_filled_in_with_the_limit_named(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feedback.new": (1, 3600)}
    client = Client()
    url = f"/feedback/new/?org={world.branch.code}"
    assert client.post(url, {"body": "第一条意见的内容"}).status_code == 302
    refused = client.post(url, {"body": "第二条意见请保留", "name": "张三",
                                "contact": "13800000000"})
    page = refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "第二条意见请保留" in page and "张三" in page and "13800000000" in page
    assert "1" in page and "分钟" in page and "<textarea" in page
    assert Feedback.objects.count() == 1


# 4. A form sent twice makes one record ----------------------------------------------------

def test_saving_a_new_draft_twice_with_one_token_makes_one_draft(world):
    client = as_user(world, "secretary")
    sent = {"title": "班子分工调整公开", "body": "正文",
            idempotency.FIELD: token(client.get(new_url(world)))}
    first = client.post(new_url(world), sent)
    again = client.post(new_url(world), sent, follow=True)
    assert DisclosureItem.objects.filter(title="班子分工调整公开").count() == 1
    assert again.redirect_chain[0][0] == first["Location"]
    assert "第一次" in again.content.decode() or "sent before" in again.content.decode()


def test_a_refused_post_frees_its_token_for_the_corrected_form(world):
    client = as_user(world, "secretary")
    sent = {"title": "短", "body": "正文", idempotency.FIELD: token(client.get(new_url(world)))}
    refused = client.post(new_url(world), sent)
    assert refused.status_code == 200 and token(refused) == sent[idempotency.FIELD]
    assert client.post(new_url(world), {**sent, "title": "班子分工调整公开"}).status_code == 302
    assert DisclosureItem.objects.filter(title="班子分工调整公开").count() == 1


def test_each_page_gives_a_new_token(world):
    client = as_user(world, "secretary")
    assert token(client.get(new_url(world))) != token(client.get(new_url(world)))


def test_anonymous_feedback_sent_twice_is_one_feedback(world):
    client = Client()
    url = f"/feedback/new/?org={world.branch.code}"
    sent = {"body": "只应保存一次的意见", idempotency.FIELD: token(client.get(url))}
    assert client.post(url, sent)["Location"] == "/feedback/thanks/"
    assert client.post(url, sent)["Location"] == "/feedback/thanks/"
    assert Feedback.objects.filter(body="只应保存一次的意见").count() == 1


def test_an_objection_sent_twice_is_one_objection(world):
    item = world.item(State.PUBLIC, entry="timely")  # a 公示 on display
    client = Client()
    url = f"/feedback/objection/new/?item={item.pk}"
    sent = {"body": "对公示内容有异议", idempotency.FIELD: token(client.get(url))}
    assert client.post(url, sent)["Location"] == "/feedback/thanks/"
    assert client.post(url, sent)["Location"] == "/feedback/thanks/"
    assert Feedback.objects.filter(body="对公示内容有异议", is_objection=True).count() == 1


def test_an_application_sent_twice_is_one_application(world):
    client = as_user(world, "member")
    url = f"/requests/new/?org={world.branch.code}"
    sent = {"subject": "请公开党费使用明细", idempotency.FIELD: token(client.get(url))}
    first, again = client.post(url, sent), client.post(url, sent)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert DisclosureRequest.objects.count() == 1


def test_a_filing_sent_twice_is_one_filing(world):
    obligations.generate_periodic_obligations(timezone.localdate())
    obligation = Obligation.objects.filter(organization=world.branch).first()
    assert obligation is not None
    client = as_user(world, "secretary")
    url = f"/obligations/{obligation.pk}/file/"
    sent = {"reason": "涉及正在进行的审查", "condition": "审查结束",
            idempotency.FIELD: token(client.get(url))}
    assert client.post(url, sent).status_code == 302
    assert client.post(url, sent).status_code == 302
    assert NonDisclosureFiling.objects.count() == 1


def test_a_post_without_a_token_is_served_as_before(world):
    client = as_user(world, "secretary")
    for _n in range(2):
        client.post(new_url(world), {"title": "无令牌的草稿", "body": "正文"})
    assert DisclosureItem.objects.filter(title="无令牌的草稿").count() == 2


def test_two_posts_at_once_claim_the_token_once(world, settings):
    """The claim is ``cache.add``: while one post holds it, another makes nothing."""
    from django.core.cache import cache

    client = as_user(world, "secretary")
    sent = {"title": "班子分工调整公开", "body": "正文",
            idempotency.FIELD: token(client.get(new_url(world)))}
    cache.add(f"idempotency:{world.users['secretary'].pk}:{new_url(world)}:"
              f"{sent[idempotency.FIELD]}", idempotency.PENDING)
    settings.DEBUG = False
    idempotency.WAIT_SECONDS, wait = 0.2, idempotency.WAIT_SECONDS
    try:
        response = client.post(new_url(world), sent)
    finally:
        idempotency.WAIT_SECONDS = wait
    assert response.status_code == 302 and not DisclosureItem.objects.filter(
        title="班子分工调整公开").exists()


# 5. A period's prepared draft is opened, not doubled ------------------------------------

def test_new_from_the_catalog_opens_the_prepared_draft_of_the_period(world):
    obligations.generate_periodic_obligations(timezone.localdate())
    draft = Obligation.objects.get(organization=world.branch,
                                   entry=world.entries["periodic"],
                                   period_start__lte=timezone.localdate(),
                                   period_end__gte=timezone.localdate()).draft
    before = DisclosureItem.objects.count()
    response = as_user(world, "secretary").get(new_url(world, "periodic"), follow=True)
    assert response.redirect_chain[-1][0] in (f"/items/{draft.pk}/edit/",)
    assert draft.title in response.content.decode()
    assert DisclosureItem.objects.count() == before


def test_a_second_draft_for_the_same_period_is_refused_on_the_form(world):
    obligations.generate_periodic_obligations(timezone.localdate())
    draft = Obligation.objects.filter(organization=world.branch,
                                      entry=world.entries["periodic"]).first().draft
    client = as_user(world, "secretary")
    response = client.post(new_url(world, "periodic") + "?another=1", {
        "title": "我另写的一稿", "body": "正文", "period_start": draft.period_start,
        "period_end": draft.period_end})
    assert response.status_code == 200 and "我另写的一稿" in response.content.decode()
    assert not DisclosureItem.objects.filter(title="我另写的一稿").exists()


def test_a_rate_limited_registration_comes_back_filled_in_without_the_password(world,
                                                                               settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "accounts.register": (0, 3600)}
    refused = Client().post("/accounts/register/", {
        "username": "zhangsan2026", "full_name": "张三丰", "contact": "13900000000",
        "password1": "Sehr-geheim-2026", "password2": "Sehr-geheim-2026"})
    page = refused.content.decode()
    assert refused.status_code == 429 and "zhangsan2026" in page and "张三丰" in page
    assert "Sehr-geheim-2026" not in page and "同一地址" in page


def test_a_too_long_ballot_comment_is_refused_not_cut(world, admin_user):
    from django.core.exceptions import ValidationError

    from feedback import services as feedback_services
    from feedback.models import Ballot
    from tests.factories import open_campaign

    campaign = open_campaign([world.branch], admin_user)
    with pytest.raises(ValidationError) as refused:
        feedback_services.ballot_cast(campaign=campaign, organization=world.branch,
                                      voter=world.users["member"], rating="satisfied",
                                      comment="意" * 2001)
    assert "comment" in refused.value.message_dict and not Ballot.objects.exists()


def test_a_rectification_order_sent_twice_is_one_order(world):
    from feedback.models import RectificationOrder

    client = as_user(world, "supervisor")
    url = "/rectification/new/?org=B1"
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    sent = {"finding": "公开不及时，需整改。", "due_date": due,
            idempotency.FIELD: token(client.get(url))}
    first, again = client.post(url, sent), client.post(url, sent)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert RectificationOrder.objects.count() == 1


def test_a_change_request_sent_twice_is_one_request(world):
    from disclosure.models import ChangeRequest

    item = world.item(State.PUBLIC)
    client = as_user(world, "secretary")
    url = f"/items/{item.pk}/change/"
    sent = {"kind": "change", "new_title": "更正后的标题", "new_body": "更正后的正文",
            "explanation": "更正错别字", idempotency.FIELD: token(client.get(url))}
    first, again = client.post(url, sent), client.post(url, sent)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert ChangeRequest.objects.filter(item=item).count() == 1
