"""One journey per role with the keyboard alone (Tab, Shift+Tab, Enter, Space; no clicks) in a
real Chromium on the demo: a skip link comes first, and whatever has focus shows it."""

from __future__ import annotations

import re

import pytest

from portal.management.commands.seed_demo import DEMO_PASSWORD as PASSWORD
from tests.test_accessibility import (  # noqa: F401 - the fixtures of the demo and browser
    _fast_and_isolated,
    demo_media,
    module_browser,
    site,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el), box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute("href") || "",
          name: (el.getAttribute("name") || ""), type: el.getAttribute("type") || "",
          text: (el.innerText || el.value || "").trim().slice(0, 40),
          ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
          inView: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
                  && box.top < innerHeight && box.left < innerWidth};
}"""


def press_until(page, wanted, key: str = "Tab", limit: int = 400) -> dict:
    """Press ``key`` until the focused element satisfies ``wanted`` (a predicate on what
    FOCUSED returns); every element passed on the way must show its focus ring."""
    passed = []
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        assert focused["ring"], f"no visible focus on {focused} ({page.url})"
        assert focused["inView"], f"the focused element is out of view: {focused}"
        if wanted(focused):
            return focused
        passed.append(focused["href"] or focused["name"] or focused["text"])
    pytest.fail(f"{key} never reached the element on {page.url}; passed {passed}")


def href(pattern: str):
    return lambda focused: re.fullmatch(pattern, focused["href"]) is not None


def named(name: str):
    return lambda focused: focused["name"] == name


def log_in(page, base: str, username: str, lands: str = "/todo/") -> None:
    """Sign in with the keyboard; the person lands on their workplace (``lands``)."""
    page.goto(f"{base}/accounts/login/")
    press_until(page, named("username"))
    page.keyboard.type(username)
    press_until(page, named("password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{lands}")


@pytest.fixture
def page(site, module_browser):  # noqa: F811
    """A fresh browser page on the demo, with the demo's address as ``page.base``."""
    context = module_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.base = site.url
    yield page
    context.close()


def test_anonymous_skips_the_header_searches_and_opens_an_item(page):
    page.goto(page.base + "/")
    first = press_until(page, lambda focused: True)
    assert first["href"] == "#content", "the first Tab stop is the skip link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    press_until(page, named("q"))
    page.keyboard.type("党")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/items/\?q="))
    # Shift+Tab walks back as well: from the first result to the search field and back.
    item = press_until(page, href(r"/items/\d+/"))
    press_until(page, named("q"), key="Shift+Tab")
    assert press_until(page, href(r"/items/\d+/"))["href"] == item["href"]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/items/\d+/$"))
    assert page.locator("main h1").count() == 1


def test_member_opens_an_intra_party_item_and_gives_feedback(page):
    from disclosure.models import DisclosureItem, State

    internal = {f"/items/{pk}/" for pk in DisclosureItem.objects.filter(
        state=State.INTERNAL, organization__code="CD-JG-01").values_list("pk", flat=True)}
    assert internal
    log_in(page, page.base, "member", lands="/mine/")
    press_until(page, lambda focused: focused["href"] in internal)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/items/\d+/$"))
    press_until(page, href(r"/feedback/new/\?item=\d+"))
    page.keyboard.press("Enter")
    page.wait_for_selector("textarea[name=body]")
    press_until(page, named("body"))
    page.keyboard.type("请把会议时间提前公布。")
    # The consent is a checkbox: Space ticks it.
    press_until(page, named("allow_publish_question"))
    page.keyboard.press("Space")
    assert page.is_checked("input[name=allow_publish_question]")
    press_until(page, lambda focused: focused["tag"] == "button" and focused["type"] == "submit"
                and focused["text"] in ("提交", "发送", "Send"))
    page.keyboard.press("Enter")
    page.wait_for_selector(".tracking-code")


def test_secretary_saves_a_new_draft(page):
    log_in(page, page.base, "secretary")
    press_until(page, href("/workspace/"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/workspace/$"))
    press_until(page, href(r"/workspace/[^/]+/new/\d+/"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_title")
    press_until(page, named("title"))
    page.keyboard.type("键盘录入的草稿")
    press_until(page, named("body"))
    page.keyboard.type("正文")
    # A yearly entry's draft names its period: typed into the date fields' segments.
    press_until(page, named("period_start"))
    page.keyboard.type("01012026")
    press_until(page, named("period_end"))
    page.keyboard.type("12312026")
    button = press_until(page, lambda focused: focused["tag"] == "button"
                         and focused["type"] == "submit")
    page.keyboard.press("Enter")
    try:
        page.wait_for_selector("main h1:has-text('键盘录入的草稿')", timeout=15000)
    except Exception:
        invalid = page.evaluate("() => [...document.querySelectorAll(':invalid')]"
                                ".map(e => e.name + '=' + e.value + ':' + e.validationMessage)")
        pytest.fail(f"after {button} on {page.url}: invalid {invalid}; "
                    f"{page.inner_text('main')[:300]}")


def test_reviewer_opens_an_item_from_the_inbox(page):
    log_in(page, page.base, "reviewer")
    press_until(page, href("/review/"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/review/$"))
    press_until(page, href(r"/items/\d+/"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/items/\d+/$"))
    assert page.locator("form[action$='/review/']").count() == 1


def test_supervisor_reaches_the_compliance_page(page):
    log_in(page, page.base, "supervisor")
    press_until(page, href("/supervision/"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/supervision/$"))
    assert page.locator("main h1").count() == 1
