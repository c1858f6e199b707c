"""WCAG 2.1 AA in a real Chromium, checked by axe-core on every page each demo role reaches.

The demo is seeded once for the module and served by a live server of the module's own (the
``live_server`` fixture would make every test transactional, and the end of each test would
empty the demo). For every role the crawl follows the same-origin links from the home page,
a few URLs per route pattern, and on each page runs axe (WCAG 2.0/2.1 A and AA rules) in
Chinese and English, at desktop and phone width; then, with large text on, at phone width it
checks that nothing scrolls sideways. Every serious or critical violation is listed.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import time
from collections import deque
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from tests.test_csp import SKIP, demo_data, pattern_of

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAST = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "YEAR_REPORT_PDF": False}
# None is the anonymous visitor; the others are the demo's accounts.
ROLES = [None, "member", "member2", "secretary", "secretary2", "secretary3", "cd_secretary",
         "jg_secretary", "staff", "reviewer", "reviewer2", "supervisor", "supervisor2",
         "supervisor3", "catalog_admin", "admin"]
LANGUAGES = ["zh-hans", "en"]
WIDTHS = {"desktop": 1280, "phone": 390}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEVERE = {"serious", "critical"}
# Pages of one pattern differ by the state of what they show; two of each are enough here
# (the CSP crawl visits more), and one filtered variant (``?...``) of each list.
URLS_PER_PATTERN = 2
PAGES_PER_ROLE = 80
# Django's own admin is Django's; the portal's pages are ours.
NOT_OURS = re.compile(r"^/admin/")
# The crawl, per page: the roles' pages are rendered, checked and measured here.
RUN_AXE = """async ([tags, rules]) => {
  const only = rules ? {type: "rule", values: rules} : {type: "tag", values: tags};
  const result = await axe.run(document, {runOnly: only, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" "))}));
}"""
# At phone width the page shows no element it hid at desktop width (the stylesheet only
# hides table heads and footers there), so only the rules whose answer depends on the layout
# need running again; where something does appear, every rule runs again.
LAYOUT_RULES = ["color-contrast", "scrollable-region-focusable", "meta-viewport"]
NOTE_HIDDEN = """() => { window.__hidden = [...document.querySelectorAll("body *")]
  .filter(el => el.getClientRects().length === 0); }"""
REVEALED = "() => window.__hidden.some(el => el.getClientRects().length > 0)"
OVERFLOW = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const wide = [...document.querySelectorAll("body *")].filter(el => {
    const box = el.getBoundingClientRect();
    return box.right > root.clientWidth + 1 && getComputedStyle(el).position !== "fixed";
  }).filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right
                  <= root.clientWidth + 1);
  return {scroll: root.scrollWidth, client: root.clientWidth,
          culprits: wide.slice(0, 3).map(el => el.tagName.toLowerCase()
            + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string"
               ? "." + el.className.trim().split(/\\s+/).join(".") : ""))};
}"""


def launch(sync_api):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (.ci/run installs it).")
    return sync_api.chromium.launch(
        executable_path=executable,
        args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync"])


@pytest.fixture(scope="module")
def module_browser():
    """One Chromium for the module's tests (launching one per test costs a second each)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django's guard against
    # database access from async code would refuse the demo's queries otherwise.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@dataclass
class Site:
    url: str
    sessions: dict[str, str] = field(default_factory=dict)

    def context(self, browser, username: str | None, language: str = "zh-hans",
                width: int = 1280, **options):
        """A browser context in ``language`` carrying the user's session cookie."""
        context = browser.new_context(viewport={"width": width, "height": 900}, **options)
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": self.url}]
        if username is not None:
            cookies.append({"name": settings.SESSION_COOKIE_NAME, "url": self.url,
                            "value": self.sessions[username]})
        context.add_cookies(cookies)
        return context


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, demo_media):
    """As in conftest, but every test reads the files the module's demo stored."""
    settings.MEDIA_ROOT = demo_media
    for name, value in FAST.items():
        setattr(settings, name, value)


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, demo_media):
    """The demo, committed, served by a live server, with a session for every account;
    emptied again when the module ends."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from pytest_django.live_server_helper import LiveServer

    from portal.celery import app

    app.conf.task_always_eager = True
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=demo_media, **FAST):
        cache.clear()
        connection.close()
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", stdout=quiet)
        demo_data()
        sessions = {}
        for user in get_user_model().objects.all():
            client = Client()
            client.force_login(user, backend="portal.backends.CachedModelBackend")
            sessions[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield Site(server.url, sessions)
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0, stdout=io.StringIO())
            cache.clear()
            connection.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: `make test` installs it (npm ci).")
    return AXE.read_text(encoding="utf-8")


@dataclass
class Findings:
    visited: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    violations: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, rule: str, help_text: str, url: str, target: str, where: str) -> None:
        self.violations.setdefault((rule, help_text, pattern_of(url)), set()).add(
            f"{url} [{where}] {target}")

    def report(self, who: str) -> list[str]:
        lines = [f"[{who}] {problem}" for problem in self.problems]
        for (rule, help_text, pattern), places in sorted(self.violations.items()):
            lines.append(f"[{who}] {rule} ({help_text}) on {pattern}:")
            lines += [f"    {place}" for place in sorted(places)[:6]]
            if len(places) > 6:
                lines.append(f"    ... and {len(places) - 6} more")
        return lines


LINK = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"']+)["']""", re.I)
# What differs between two renderings of the same thing: the form tokens, the header's ways
# back to the page (after logging in, switching language or text size).
VOLATILE = re.compile(
    r"""(csrfmiddlewaretoken"\s+value="|\?next=|name="next" type="hidden" value=")[^"&]*""")


def part(html: str, tag: str) -> str:
    """Return the first <tag>...</tag> of ``html``, its volatile values blanked."""
    start = html.find(f"<{tag}")
    end = html.find(f"</{tag}>", start)
    return VOLATILE.sub(r"\1", html[start:end]) if start >= 0 else ""


def discover(request, base: str, start: str) -> list[tuple[str, str]]:
    """Fetch the same-origin pages linked from ``start``, breadth first, a few URLs per
    route pattern, pages before their filtered variants; return (url, html) of each page."""
    seen, per_pattern, found = {start}, {}, []
    pages, filtered = deque([start]), deque()
    while (pages or filtered) and len(found) < PAGES_PER_ROLE:
        url = (pages or filtered).popleft()
        response = request.get(base + url, max_redirects=0)
        if response.status != 200 or not response.headers.get(
                "content-type", "").startswith("text/html"):
            if response.status >= 500:
                found.append((url, f"HTTP {response.status}"))
            continue
        html = response.text()
        found.append((url, html))
        for link in LINK.findall(html):
            link = urldefrag(urljoin(base + url, unescape(link))).url
            if not link.startswith(base + "/"):
                continue
            path = link[len(base):]
            key = pattern_of(path)
            limit = 1 if "?" in path else URLS_PER_PATTERN
            if (path in seen or SKIP.search(path) or NOT_OURS.search(path)
                    or per_pattern.get(key, 0) >= limit):
                continue
            seen.add(path)
            per_pattern[key] = per_pattern.get(key, 0) + 1
            (filtered if "?" in path else pages).append(path)
    return found


def check_page(page, url: str, language: str, found: Findings) -> None:
    """Run axe at each width, then measure the phone width with large text on."""
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        rules = None
        if name == "desktop":
            page.evaluate(NOTE_HIDDEN)
        elif not page.evaluate(REVEALED):
            rules = LAYOUT_RULES
        for violation in page.evaluate(RUN_AXE, [AXE_TAGS, rules]):
            if violation["impact"] in SEVERE:
                for target in violation["targets"]:
                    found.add(violation["id"], violation["help"], url, target,
                              f"{language} {name}")
    # The server puts the class on <html> from the cookie (tested below); adding it here
    # spares a reload and measures the same page.
    page.evaluate("() => document.documentElement.classList.add('large-text')")
    overflow = page.evaluate(OVERFLOW)
    if overflow:
        found.problems.append(f"{url} [{language} large text, 390px] scrolls sideways: "
                              f"{overflow['scroll']}px > {overflow['client']}px, "
                              f"widest: {overflow['culprits']}")


def crawl_role(browser, site: Site, username: str | None, axe_source: str,
               checked: dict[str, str]) -> Findings:
    """Discover the role's pages over HTTP, then check in the browser each page whose
    header or main part no role's checked page had: an identical part under the same
    stylesheet gives axe the same answer, and that is what keeps the crawl of every role
    within a few minutes."""
    found = Findings()
    context = site.context(browser, username)
    pages = discover(context.request, site.url, "/")
    context.close()
    found.visited = [url for url, _html in pages]
    to_check = []
    for url, html in pages:
        if html.startswith("HTTP "):
            found.problems.append(f"{url}: {html}")
            continue
        parts = [hashlib.sha1(part(html, tag).encode()).hexdigest() for tag in
                 ("header", "main", "footer")]
        if any(fp not in checked for fp in parts):
            to_check.append(url)
            for fp in parts:
                checked.setdefault(fp, url)
    found.checked = to_check
    for language in LANGUAGES:
        # axe is injected into every page from the installed file; the context does without
        # the page's CSP for it (the CSP crawl checks the policy).
        context = site.context(browser, username, language, bypass_csp=True)
        context.add_init_script(axe_source)
        page = context.new_page()
        for url in to_check:
            response = page.goto(site.url + url)
            if response is None or response.status != 200:
                found.problems.append(f"{url}: HTTP {response and response.status}")
                continue
            check_page(page, url, language, found)
        context.close()
    return found


@pytest.fixture(scope="module")
def checked() -> dict[str, str]:
    """The digests of the page parts checked so far in this module, with a URL of each."""
    return {}


@pytest.mark.browser
@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES, ids=lambda name: name or "anonymous")
def test_every_page_meets_wcag_21_aa(site, module_browser, axe_source, checked, username):
    if username is not None and username not in site.sessions:
        pytest.skip(f"the demo has no account {username!r}")
    started = time.monotonic()
    found = crawl_role(module_browser, site, username, axe_source, checked)
    print(f"\n[{username or 'anonymous'}] {len(found.visited)} pages, {len(found.checked)} "
          f"with parts not checked before, x {len(LANGUAGES)} languages x {len(WIDTHS)} "
          f"widths in {time.monotonic() - started:.1f}s")
    assert len(found.visited) >= 5, found.visited
    lines = found.report(username or "anonymous")
    if lines:
        pytest.fail("Accessibility problems:\n" + "\n".join(lines), pytrace=False)


# --- Large text and the skip link, without a browser ---------------------------------------

@pytest.mark.django_db
def test_large_text_is_switched_in_the_header_and_remembered_in_a_cookie(client):
    page = client.get("/items/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert 'action="/display/large-text/"' in page and 'aria-pressed="false"' in page
    response = client.post("/display/large-text/", {"large_text": "1", "next": "/items/"})
    assert response.status_code == 302 and response.url == "/items/"
    cookie = response.cookies["large_text"]
    assert cookie.value == "1" and cookie["httponly"] and cookie["max-age"] > 30 * 86400
    page = client.get("/items/").content.decode()
    assert '<html lang="zh-hans" class="large-text">' in page
    assert 'aria-pressed="true"' in page and 'name="large_text" type="hidden" value="0"' in page
    response = client.post("/display/large-text/", {"large_text": "0", "next": "/"})
    assert response.cookies["large_text"].value == ""
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("back", ["https://elsewhere.example/", "//elsewhere.example/", ""])
def test_large_text_goes_back_only_to_a_page_of_the_portal(client, back):
    response = client.post("/display/large-text/", {"large_text": "1", "next": back})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/display/large-text/").status_code == 405


@pytest.mark.django_db
def test_every_page_starts_with_a_skip_link_to_the_main_content(client):
    page = client.get("/").content.decode()
    body = page[page.index("<body>"):]
    first_link = re.search(r"<a\b[^>]*>", body).group(0)
    assert 'href="#content"' in first_link and 'class="skip-link"' in first_link
    assert '<main class="wrap" id="content" tabindex="-1">' in page


@pytest.mark.browser
def test_the_check_finds_what_it_must(module_browser, axe_source):
    """axe, as the crawl runs it, reports a missing label, alt text and language."""
    page = module_browser.new_page()
    page.set_content('<html><body><main><img src="x.png"><input type="text">'
                     '<p class="low">faint</p></main></body></html>')
    page.add_style_tag(content=".low { color: #ccc; background: #fff; }")
    page.add_script_tag(content=axe_source)
    found = {v["id"] for v in page.evaluate(RUN_AXE, [AXE_TAGS, None]) if v["impact"] in SEVERE}
    page.close()
    assert {"image-alt", "label", "html-has-lang", "color-contrast"} <= found
