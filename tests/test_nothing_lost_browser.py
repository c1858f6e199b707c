"""In a real Chromium: a chosen file that was never uploaded stops another form from being
sent and says why; long text fields count what was typed; a draft form sent again after
the Back button makes no second draft."""

from __future__ import annotations

import pytest

from disclosure.models import Attachment, DisclosureItem, State
from tests.test_browser import browser, login  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_an_unsent_file_blocks_the_submission_and_says_why(world, live_server, browser):  # noqa: F811
    item = world.item(State.DRAFT)
    page = login(browser, live_server, "secretary")
    url = f"{live_server.url}/items/{item.pk}/"
    page.goto(url)
    assert "20.0" in page.inner_text("form[action$='/attachments/'] .help")
    page.set_input_files("#id_file", files=[
        {"name": "会议纪要.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("form[action$='/submit/'] button")
    alert = page.locator("[data-unsent-for='id_file']")
    alert.wait_for(state="visible")
    assert "会议纪要.pdf" in alert.inner_text()
    assert page.url == url
    item.refresh_from_db()
    assert item.state == State.DRAFT  # nothing was sent

    page.click("form[action$='/attachments/'] button[type=submit]")
    page.wait_for_selector(".msg.success")
    assert Attachment.objects.filter(item=item, original_name="会议纪要.pdf").exists()
    page.click("form[action$='/submit/'] button")
    page.wait_for_selector(".msg.success")
    item.refresh_from_db()
    assert item.state == State.SUBMITTED


def test_a_too_large_file_is_announced_when_chosen(world, live_server, browser, settings):  # noqa: F811
    item = world.item(State.DRAFT)
    page = login(browser, live_server, "secretary")
    page.goto(f"{live_server.url}/items/{item.pk}/")
    page.evaluate("document.getElementById('id_file').setAttribute('data-max-bytes', '10')")
    page.set_input_files("#id_file", files=[
        {"name": "大文件.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    alert = page.locator("[data-unsent-for='id_file']")
    alert.wait_for(state="visible")
    assert "大文件.pdf" in alert.inner_text()


def test_the_counter_follows_what_is_typed(world, live_server, browser):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{live_server.url}/feedback/new/?org={world.branch.code}")
    counter = page.locator("[data-counter-for='id_body']")
    assert "0 / 5000" in counter.inner_text()
    page.fill("#id_body", "支部公开栏更新不及时")
    assert counter.inner_text() == "已输入 10 / 5000 字"
    assert "id_body_counter" in page.get_attribute("#id_body", "aria-describedby")


def test_back_and_save_again_makes_no_second_draft(world, live_server, browser):  # noqa: F811
    page = login(browser, live_server, "secretary")
    page.goto(f"{live_server.url}/workspace/B1/new/{world.entries['public'].pk}/")
    page.fill("#id_title", "返回后再次保存的草稿")
    page.fill("#id_body", "正文")
    page.click("main form.stack button[type=submit]")
    page.wait_for_selector("h1:has-text('返回后再次保存的草稿')")
    page.go_back()
    page.wait_for_selector("#id_title")
    if page.input_value("#id_title") != "返回后再次保存的草稿":
        page.fill("#id_title", "返回后再次保存的草稿")
        page.fill("#id_body", "正文")
    page.click("main form.stack button[type=submit]")
    page.wait_for_selector("h1:has-text('返回后再次保存的草稿')")
    assert "未重复创建" in page.content()
    assert DisclosureItem.objects.filter(title="返回后再次保存的草稿").count() == 1
