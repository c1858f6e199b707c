"""The main journey in a real Chromium: draft, review, intra-party reading, public release."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from disclosure.models import DisclosureItem, State
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (.ci/run installs it).")
    # Playwright's sync API runs an event loop in this thread; Django's guard against
    # database access from async code would refuse the live server's fixtures otherwise.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def login(browser, live_server, username: str):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # the person's workplace
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_main_journey(world, live_server, browser):
    base = live_server.url
    title = "第一党支部班子分工调整公开"

    sec = login(browser, live_server, "secretary")
    sec.goto(f"{base}/workspace/")
    sec.click(f"a[href='/workspace/B1/new/{world.entries['public'].pk}/']")
    sec.fill("#id_title", title)
    sec.fill("#id_body", "## 分工\n\n- 书记：主持全面工作\n- 组织委员：组织发展")
    sec.click("main form.stack button[type=submit]")
    sec.wait_for_selector(f"h1:has-text('{title}')")
    sec.fill("#submit-comment", "请审核")
    sec.click("form[action$='/submit/'] button")
    sec.wait_for_selector(".msg.success")
    shot(sec, "01-secretary-submitted")
    item = DisclosureItem.objects.get(title=title)
    assert item.state == State.SUBMITTED

    rev = login(browser, live_server, "reviewer")
    rev.goto(f"{base}/review/")
    rev.click(f"a[href='/items/{item.pk}/']")
    rev.check("input[name=decision][value=approve]")
    rev.click("form[action$='/review/'] button[type=submit]")
    rev.wait_for_selector(".field.has-error")  # approval without the confidentiality check
    item.refresh_from_db()
    assert item.state == State.SUBMITTED
    rev.check("input[name=decision][value=approve]")
    rev.check("#id_confidentiality_checked")
    rev.fill("#id_comment", "经保密审查，同意公开")
    rev.click("form[action$='/review/'] button[type=submit]")
    rev.wait_for_selector(".msg.success")
    shot(rev, "02-reviewer-approved")

    sec.goto(f"{base}/items/{item.pk}/")
    sec.click("form[action$='/publish-internal/'] button")
    sec.wait_for_selector(".msg.success")
    item.refresh_from_db()
    assert item.state == State.INTERNAL

    member = login(browser, live_server, "member")
    member.goto(f"{base}/mine/")
    assert member.locator(f"a[href='/items/{item.pk}/']").count() == 1
    shot(member, "03-member-intra-party")

    anonymous = browser.new_page()
    response = anonymous.goto(f"{base}/items/{item.pk}/")
    assert response.status == 404
    anonymous.goto(f"{base}/items/")
    assert title not in anonymous.content()

    # The intra-party lead time passes.
    DisclosureItem.objects.filter(pk=item.pk).update(
        internal_at=timezone.now() - timedelta(days=4))
    sec.goto(f"{base}/items/{item.pk}/")
    sec.click("form[action$='/release-public/'] button")
    sec.wait_for_selector(".msg.success")

    response = anonymous.goto(f"{base}/items/{item.pk}/")
    assert response.status == 200
    assert title in anonymous.content()
    anonymous.goto(f"{base}/")
    assert anonymous.locator(f"a[href='/items/{item.pk}/']").count() == 1
    shot(anonymous, "04-public-home")


def test_anonymous_feedback_with_tracking_code_and_answer(world, live_server, browser):
    base = live_server.url
    item = world.item(State.PUBLIC, title="党费收缴情况公开")
    visitor = browser.new_page(viewport={"width": 390, "height": 844})
    visitor.goto(f"{base}/items/{item.pk}/")
    visitor.click(f"a[href='/feedback/new/?item={item.pk}']")
    visitor.fill("#id_body", "建议<script>alert(1)</script>公开每月明细")
    visitor.check("#id_allow_publish")
    visitor.click("main form button[type=submit]")
    code = visitor.inner_text("#tracking-code").strip()
    assert len(code) == 10
    shot(visitor, "05-feedback-code")

    sec = login(browser, live_server, "secretary")
    sec.goto(f"{base}/feedback/inbox/")
    sec.click("main .item-list a.item-title")
    sec.click("form[action$='/accept/'] button")
    sec.wait_for_selector(".msg.success")
    sec.fill("#id_text", "感谢建议，下月起按月公开收支明细。")
    sec.check("#id_confidentiality_checked")
    sec.click("form[action$='/reply/'] button[type=submit]")
    sec.wait_for_selector(".msg.success")

    visitor.goto(f"{base}/feedback/track/")
    visitor.fill("#id_code", code.lower())
    visitor.click("main form button[type=submit]")
    result = visitor.inner_text("#feedback-result")
    assert "按月公开收支明细" in result
    visitor.goto(f"{base}/items/{item.pk}/")
    content = visitor.content()
    assert "下月起按月公开收支明细" in content
    assert "<script>alert(1)</script>" not in content
    shot(visitor, "06-feedback-answer-under-item")


def test_objection_during_publicity_and_the_published_conclusion(world, live_server, browser):
    from disclosure import services

    base = live_server.url
    item = world.item(State.PUBLIC, entry="timely", title="发展党员公示")
    visitor = browser.new_page(viewport={"width": 390, "height": 844})
    visitor.goto(f"{base}/items/{item.pk}/")
    assert "公示期：" in visitor.inner_text("#publicity")
    visitor.click("#raise-objection")
    visitor.fill("#id_body", "发展对象<script>alert(1)</script>材料不实")
    visitor.click("main form button[type=submit]")
    code = visitor.inner_text("#tracking-code").strip()
    assert len(code) == 10
    shot(visitor, "07-objection-code")

    sec = login(browser, live_server, "secretary")
    sec.goto(f"{base}/feedback/inbox/?kind=objection")
    assert sec.locator("main .badge.objection").count() == 1
    sec.click("main .item-list a.item-title")
    sec.click("form[action$='/accept/'] button")
    sec.wait_for_selector(".msg.success")
    sec.fill("#id_text", "经核实，材料属实。")
    sec.click("form[action$='/reply/'] button[type=submit]")
    sec.wait_for_selector(".msg.success")

    DisclosureItem.objects.filter(pk=item.pk).update(
        display_until=timezone.localdate() - timedelta(days=1))
    services.expire_short_term_items()
    sec.goto(f"{base}/items/{item.pk}/")
    sec.click(f"#publicity a[href^='/feedback/objections/{item.pk}/']")
    sec.fill("#id_conclusion", "经支部委员会核实，异议不成立，发展程序继续。")
    sec.check("#id_confidentiality_checked")
    sec.click("#conclusion button[type=submit]")
    sec.wait_for_selector(".msg.success")
    shot(sec, "08-publicity-concluded")

    visitor.goto(f"{base}/items/{item.pk}/")
    publicity = visitor.inner_text("#publicity")
    assert "异议已处理" in publicity and "异议不成立，发展程序继续" in publicity
    assert "材料不实" not in visitor.content() and visitor.locator("#raise-objection").count() == 0
    shot(visitor, "09-publicity-result")
