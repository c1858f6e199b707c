"""The Content-Security-Policy: sent on every page, and no page breaks it.

The browser test crawls every page reachable by link, for each role and the admin, in a real
Chromium under the enforced policy and fails on any violation the browser reports. The fast
tests catch the usual regressions (an inline style, script or handler) without a browser.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.test_browser import browser  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
STRICT = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
    "img-src": "'self'", "font-src": "'self'", "connect-src": "'self'",
    "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The admin's history lists (simple-history) may carry their one fixed style attribute.
HISTORY_LIST = re.compile(r"^/admin/\w+/\w+/[^/]+/history/$")
HISTORY_POLICY = {**STRICT, "style-src-attr":
                  "'unsafe-hashes' 'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"}


def parse_policy(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


# --- Without a browser -------------------------------------------------------------------

# What a strict policy refuses, as it appears in a template or in HTML built in Python.
INLINE = [
    (re.compile(r"""\sstyle\s*=\s*["'{]""", re.I), "style attribute"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.I), "event-handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    # A <script> without src runs inline; JSON data blocks do not run and are allowed.
    (re.compile(r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I),
     "inline <script>"),
]
APPS = ["portal", "catalog", "disclosure", "feedback", "archive"]
# Python code has plenty of `one = "..."`: there only style attributes and scripts count.
IN_PYTHON = {"style attribute", "<style> element", "inline <script>"}


def inline_findings(path: Path, kinds: set[str] | None = None) -> list[tuple[str, str]]:
    """Return (where, what) for each piece of inline code in the file."""
    text = path.read_text(encoding="utf-8")
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return [(f"{name}:{text.count(chr(10), 0, m.start()) + 1} {m.group(0)!r}", what)
            for pattern, what in INLINE if kinds is None or what in kinds
            for m in pattern.finditer(text)]


def report(found: list[tuple[str, str]]) -> str:
    return "\n".join(f"{where}: {what}" for where, what in found)


def test_templates_have_no_inline_style_script_or_handler():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    for app in APPS:
        templates += sorted((ROOT / app / "templates").rglob("*.html"))
    assert len(templates) > 40
    found = [line for path in templates for line in inline_findings(path)]
    assert not found, "Inline code a strict CSP refuses:\n" + report(found)


def test_python_code_builds_no_inline_style_or_script():
    sources = [path for app in APPS for path in (ROOT / app).rglob("*.py")
               if "migrations" not in path.parts]
    assert len(sources) > 40
    found = [line for path in sources for line in inline_findings(path, IN_PYTHON)]
    assert not found, "HTML with inline code built in Python:\n" + report(found)


def test_the_inline_check_recognizes_what_it_must(tmp_path):
    sample = tmp_path / "sample.html"
    sample.write_text(
        '<span style="width: 3%"></span><a onclick="x()">a</a><a href="javascript:x()">b</a>'
        "<script>alert(1)</script><style>p{}</style>"
        '<script src="/static/js/print.js" defer></script>'
        '<script id="data" type="application/json">{}</script><svg><rect width="42%"/></svg>'
    )
    kinds = sorted(what for _, what in inline_findings(sample))
    assert kinds == ["<style> element", "event-handler attribute", "inline <script>",
                     "javascript: URL", "style attribute"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/items/", "/accounts/login/", "/admin/login/"])
def test_pages_send_the_strict_policy(client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    assert parse_policy(response["Content-Security-Policy"]) == STRICT
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_only_the_admin_history_list_allows_its_one_style_attribute(client: Client):
    from portal.models import User

    admin = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin, backend="portal.backends.CachedModelBackend")
    history = client.get(f"/admin/portal/user/{admin.pk}/history/")
    change = client.get(f"/admin/portal/user/{admin.pk}/change/")
    assert history.status_code == change.status_code == 200
    assert 'style="border-top: 0"' in history.content.decode()
    assert parse_policy(history["Content-Security-Policy"]) == HISTORY_POLICY
    assert parse_policy(change["Content-Security-Policy"]) == STRICT
    # A past version's password link is relative ("../password/") and lands on the
    # version view: not found, not a server error.
    assert client.get(f"/admin/portal/user/{admin.pk}/history/password/").status_code == 404


@pytest.mark.parametrize(("report_only", "enforced", "reported"),
                         [("0", True, False), ("1", False, True)])
def test_report_only_switch_sends_the_same_policy_without_enforcing_it(
        report_only, enforced, reported):
    code = ("from django.conf import settings as s; "
            "print(bool(s.CONTENT_SECURITY_POLICY), bool(s.CONTENT_SECURITY_POLICY_REPORT_ONLY), "
            "(s.CONTENT_SECURITY_POLICY or s.CONTENT_SECURITY_POLICY_REPORT_ONLY)['DIRECTIVES']"
            "['script-src'])")
    env = {**os.environ, "CSP_REPORT_ONLY": report_only, "DJANGO_SETTINGS_MODULE":
           "portal.settings"}
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(enforced), str(reported), "[\"'self'\"]"]


# --- The crawl in a real Chromium --------------------------------------------------------

PAGES_PER_ROLE = 150
# Pages of one pattern differ by the state of what they show (a draft, a published item);
# the admin's pages of one model differ by nothing but the data.
URLS_PER_PATTERN = {"site": 5, "admin": 2}
# Not pages: logging out, switching language, files, exports, feeds and the JSON API.
SKIP = re.compile(
    r"/accounts/logout/|/admin/logout/|/i18n/|/admin/r/|/attachments/\d+/$|/archive/files/"
    r"|/export\.|[?&]format=|/feeds/|\.atom$|/api/|\.json$|\.csv$|\.xlsx$"
)
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || ""}:${event.lineNumber} ${event.sample || ""}`);
});
"""


@dataclass
class Crawl:
    visited: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def pattern_of(url: str) -> str:
    parts = urlsplit(url)
    keys = ",".join(sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return re.sub(r"\d+", "#", parts.path) + "?" + keys


def crawl(context, base: str, start: str, prefix: str, per_pattern_limit: int) -> Crawl:
    """Visit the same-origin pages linked from ``start`` under ``prefix``, breadth first, a
    few URLs per pattern, pages before their filtered variants (``?...``), and record CSP
    violations, missing or different policy headers and server errors."""
    result, seen, per_pattern = Crawl(), {start}, {}
    pages, filtered = deque([start]), deque()
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    current = {"url": start}

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            result.violations.append(f"{current['url']}: console: {message.text[:120]}")

    page.on("console", on_console)
    while (pages or filtered) and len(result.visited) < PAGES_PER_ROLE:
        url = (pages or filtered).popleft()
        current["url"] = url
        try:
            response = page.goto(base + url)
        except Exception as error:  # a download is not a page
            if "Download is starting" in str(error):
                continue
            raise
        result.visited.append(url)
        if response is None or not response.headers.get("content-type", "").startswith(
                "text/html"):
            continue
        if response.status >= 500:
            result.problems.append(f"{url}: HTTP {response.status}")
        policy = parse_policy(response.headers.get("content-security-policy", ""))
        if policy != STRICT and not (HISTORY_LIST.match(urlsplit(response.url).path)
                                     and policy == HISTORY_POLICY):
            result.problems.append(f"{url}: Content-Security-Policy is {policy}")
        found = page.evaluate("() => new Promise(done => setTimeout("
                              "() => done(window.__cspViolations || []), 50))")
        result.violations += [f"{url}: {line}" for line in found]
        links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for link in links:
            link = urldefrag(link).url
            if not link.startswith(base + "/"):
                continue
            path = link[len(base):]
            key = pattern_of(path)
            if (path in seen or not path.startswith(prefix) or SKIP.search(path)
                    or per_pattern.get(key, 0) >= per_pattern_limit):
                continue
            seen.add(path)
            per_pattern[key] = per_pattern.get(key, 0) + 1
            (filtered if "?" in path else pages).append(path)
    page.close()
    return result


def demo_data() -> None:
    """The demo, plus published evaluation results and an open evaluation, so that the
    crawl meets every kind of page: bars, QR codes, forms, the admin."""
    from django.utils import timezone

    from feedback.models import Campaign
    from feedback.services import ballot_cast as cast
    from feedback.services import campaign_close as close_campaign
    from feedback.services import campaign_open as open_campaign
    from portal.models import User

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    admin = User.objects.get(username="admin")
    campaign = Campaign.objects.get()
    Campaign.objects.filter(pk=campaign.pk).update(voters=Campaign.Audience.EVERYONE,
                                                   results_public=True)
    campaign.refresh_from_db()
    orgs = list(campaign.organizations.order_by("path"))
    ratings = ["satisfied", "fairly", "unsatisfied", "satisfied"]
    for n, username in enumerate(["member", "member2", "secretary", "reviewer"]):
        voter = User.objects.get(username=username)
        for org in orgs[:2]:
            if not campaign.ballots.filter(organization=org, voter=voter).exists():
                cast(campaign=campaign, organization=org, voter=voter, rating=ratings[n])
    close_campaign(campaign_id=campaign.pk, actor=admin)
    second = Campaign.objects.create(title=f"{timezone.localdate().year}年度第二次民主评议",
                                     period_label="测试")
    second.organizations.set(orgs)
    open_campaign(campaign_id=second.pk, actor=admin)


def logged_in_context(browser, base: str, username: str | None):  # noqa: F811
    """A browser context carrying the user's session cookie (the login form is crawled
    as the anonymous visitor and has tests of its own)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if username is not None:
        from portal.models import User

        client = Client()
        client.force_login(User.objects.get(username=username),
                           backend="portal.backends.CachedModelBackend")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": base,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    return context


# Pages each crawl must reach, so that a crawl that sees little cannot pass.
MUST_VISIT = {
    None: ["/evaluation/#/results/", "/orgs/CD-JG-#/notice-board/", "/items/#/"],
    "member": ["/mine/", "/evaluation/#/", "/archive/"],
    "secretary": ["/workspace/", "/items/#/edit/", "/feedback/inbox/"],
    "reviewer": ["/review/", "/supervision/"],
    "supervisor": ["/supervision/", "/supervision/history/", "/rectification/#/"],
    "admin": ["/admin/", "/admin/disclosure/disclosureitem/", "/admin/portal/user/#/change/",
              "/admin/disclosure/disclosureitem/#/history/"],
}


# The secretary's crawl starts in the workspace, whose drafts lead to the edit form: from
# the home page, its public items would use up the item pages the crawl visits.
START = {"secretary": "/workspace/"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_crawl_finds_no_csp_violation(live_server, browser):  # noqa: F811
    """Every role crawls the one demo (seeded once: a live server's test is transactional,
    so each seed would be lost at the end of its test)."""
    # Under Playwright the test body has a database connection of its own, which an earlier
    # browser module may have ended: start it afresh, and close it so that none outlives us.
    connection.close()
    failures: list[str] = []
    try:
        demo_data()
        base = live_server.url
        for username in MUST_VISIT:
            context = logged_in_context(browser, base, username)
            part = "admin" if username == "admin" else "site"
            prefix = "/admin/" if part == "admin" else "/"
            result = crawl(context, base, START.get(username, prefix), prefix,
                           URLS_PER_PATTERN[part])
            context.close()
            visited = {re.sub(r"\d+", "#", url.split("?")[0]) for url in result.visited}
            missing = [path for path in MUST_VISIT[username] if path not in visited]
            if missing:
                failures.append(f"[{username}] the crawl did not reach {missing}; "
                                f"it saw {sorted(visited)}")
            if result.problems or result.violations:
                failures += [f"[{username}] pages with problems:", *result.problems,
                             f"[{username}] CSP violations:", *result.violations]
    finally:
        connection.close()
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
