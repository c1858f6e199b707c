#!/usr/bin/env python
"""The load benchmark behind ``make bench``.

1. Builds (or tops up) the scale data set with ``seed_scale`` in its own PostgreSQL database.
2. Starts the portal under gunicorn with production settings on PostgreSQL and Redis.
3. Capacity: for each page, wrk (a second process, in C) requests it as fast as 8
   connections allow; throughput is reported against a trivial Django page (a 20-row list
   template, no query) served by the same workers, the floor, so results compare across
   machines. Every page is measured ``--repeats`` times (the floor first in each round);
   the report gives the median ratio and its spread.
4. Latency: a mix of 50 concurrent users with think time (anonymous readers, members and
   secretaries who write) runs from another process, once per round; per page p50/p95/p99
   and errors, per group the median p95 of the rounds.
5. Profiles each page in-process (SQL and Python time, the functions that cost most),
   times the scheduler's daily run and ``verify_archive``; counts each page's queries.
6. Writes ``BENCHMARKS.md``: the goals of the performance work (now / goal / met), every
   page, and the profiles before (``docs/bench-profile-before.json``) and after.

``--profile-only FILE`` stops after the profiles and writes them to FILE as JSON (run it
on an older checkout to record the profiles "before").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
PORT = 8765
HOST = "127.0.0.1"

parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
parser.add_argument("--database", default=os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench"))
parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL",
                                                      "redis://127.0.0.1:6379/5"))
parser.add_argument("--items", type=int, default=int(os.environ.get("BENCH_ITEMS", 1_000_000)))
parser.add_argument("--orgs", type=int, default=int(os.environ.get("BENCH_ORGS", 2000)))
parser.add_argument("--members", type=int, default=int(os.environ.get("BENCH_MEMBERS", 60000)))
parser.add_argument("--users", type=int, default=50, help="concurrent users in the mix")
parser.add_argument("--duration", type=int, default=40,
                    help="seconds of each round's mixed run")
parser.add_argument("--capacity-seconds", type=int, default=6)
parser.add_argument("--repeats", type=int, default=3, help="rounds of every measurement")
parser.add_argument("--profile-only", metavar="FILE", help="write the profiles and stop")
parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
parser.add_argument("--skip-seed", action="store_true")
parser.add_argument("--skip-scheduler", action="store_true")
args = parser.parse_args()

ENV = {
    **os.environ,
    "DATABASE_URL": args.database, "CELERY_BROKER_URL": args.redis, "CACHE_URL": args.redis,
    "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 60, "ALLOWED_HOSTS": HOST,
    "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
    "DB_CONN_MAX_AGE": "60", "PORTAL_VAR_DIR": str(ROOT / "var" / "bench"),
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_BENCHMARK_PAGE": "1",
}
os.environ.update(ENV)


def manage(*command: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=ENV, check=True,
                          text=True, capture_output=capture)


def ensure_database() -> None:
    name = urllib.parse.urlparse(args.database).path.lstrip("/")
    server = args.database.rsplit("/", 1)[0] + "/postgres"
    import psycopg2

    with psycopg2.connect(server) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')


# -- setup ------------------------------------------------------------------------------------

print(f"== database {args.database}", flush=True)
ensure_database()
manage("migrate", "--noinput", "-v0")
if not args.skip_seed:
    manage("seed_scale", "--orgs", str(args.orgs), "--members", str(args.members),
           "--items", str(args.items))
manage("collectstatic", "--noinput", "-v0")


def analyze() -> None:
    """Vacuum and analyze what was just written, as autovacuum does on a running server
    (and cannot be counted on here: it may be off): the planner's statistics, the
    visibility map index-only scans read, and the search index's pending entries merged
    (unmerged, every search reads them all)."""
    import psycopg2

    conn = psycopg2.connect(args.database)
    conn.autocommit = True  # VACUUM runs outside a transaction
    try:
        with conn.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    finally:
        conn.close()


analyze()

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import CatalogEntry  # noqa: E402
from disclosure.models import DisclosureItem, State  # noqa: E402
from disclosure.visibility import public_items  # noqa: E402
from portal.models import Membership, Organization, User  # noqa: E402

member = User.objects.get(username="sc-m000001")
secretary = User.objects.get(username="sc-s00001")
reviewer = User.objects.get(username="sc-r001")
supervisor = User.objects.get(username="supervisor")
member_org = Membership.objects.get(user=member).organization
secretary_org = Membership.objects.get(user=secretary).organization
entry = CatalogEntry.objects.for_organization(secretary_org).filter(code="ZZ-02").first()
public_ids = list(public_items().order_by("?").values_list("pk", flat=True)[:2000])
internal_ids = list(DisclosureItem.objects.filter(
    organization=member_org, state__in=[State.INTERNAL, State.PUBLIC, State.ARCHIVED])
    .values_list("pk", flat=True)[:500])
org_codes = list(Organization.objects.filter(code__startswith="SC-")
                 .values_list("code", flat=True)[:500])
counts = {
    "items": DisclosureItem.objects.count(),
    "public": DisclosureItem.objects.filter(state=State.PUBLIC).count(),
    "organizations": Organization.objects.count(),
    "users": User.objects.count(),
}
SEARCH = "党费"


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


COOKIES = {"anonymous": "", "member": session_cookie(member),
           "secretary": session_cookie(secretary), "reviewer": session_cookie(reviewer),
           "supervisor": session_cookie(supervisor)}


@dataclass
class Page:
    name: str
    role: str
    paths: list[str]
    target_ms: int | None
    group: str | None = None  # the goal it counts towards (GOALS)
    write: bool = False
    cold: bool = False  # every request a new address: what rendering costs, uncached
    samples: list[list[float]] = field(default_factory=list)  # per round, ms
    errors: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # what the errors answered
    queries: int | None = None
    capacity: list[float] = field(default_factory=list)  # req/s per round
    ratios: list[float] = field(default_factory=list)  # ÷ floor per round

    def path(self) -> str:
        return random.choice(self.paths)

    @property
    def all_samples(self) -> list[float]:
        return [s for round_ in self.samples for s in round_]


def pick(ids, fmt, n=300):
    return [fmt.format(i) for i in ids[:n]] or [fmt.format(0)]


PUBLIC_MS, MEMBER_MS, SEARCH_MS = 40, 60, 80
QUOTED = urllib.parse.quote(SEARCH)
TERMS = ["党费", "组织生活", "发展党员", "三会一课", "民主评议", "换届", "党建", "预算",
         "整改", "主题党日", "廉洁", "学习", "公示", "选举", "会议", "经费"]
PAGES = [
    Page("floor: trivial Django page", "anonymous", ["/bench/trivial/"], None),
    Page("home", "anonymous", ["/"], PUBLIC_MS, "public"),
    Page("item list", "anonymous", ["/items/"], PUBLIC_MS, "public"),
    Page("item list, page 40", "anonymous", ["/items/?page=40"], PUBLIC_MS, "public"),
    Page("item detail", "anonymous", pick(public_ids, "/items/{}/"), PUBLIC_MS, "public"),
    Page(f"search '{SEARCH}'", "anonymous", [f"/items/?q={QUOTED}"], SEARCH_MS, "search"),
    Page("organization list", "anonymous", ["/orgs/"], PUBLIC_MS, "public"),
    Page("organization page", "anonymous", pick(org_codes, "/orgs/{}/"), PUBLIC_MS,
         "public"),
    Page("Atom feed", "anonymous", ["/feeds/items.atom"], PUBLIC_MS, "public"),
    Page("API item list", "anonymous", ["/api/v1/items/"], PUBLIC_MS, "public"),
    # The same pages rendered for each request (a new address each time, as a reader of a
    # page nobody asked for since the last change): the cost the cache saves.
    Page("home, rendered", "anonymous", ["/"], None, cold=True),
    Page("item list, rendered", "anonymous", ["/items/"], None, cold=True),
    Page("item detail, rendered", "anonymous", pick(public_ids, "/items/{}/"), None,
         cold=True),
    Page("search, 16 terms, rendered", "anonymous",
         [f"/items/?q={urllib.parse.quote(t)}" for t in TERMS], None, cold=True),
    Page("item list", "member", ["/items/"], MEMBER_MS, "member"),
    Page("my organization's items", "member", ["/mine/"], MEMBER_MS),
    Page("item detail", "member", pick(internal_ids, "/items/{}/"), MEMBER_MS, "member"),
    Page(f"search '{SEARCH}'", "member", [f"/items/?q={QUOTED}"], SEARCH_MS, "search"),
    Page("notifications", "member", ["/notifications/"], MEMBER_MS, "member"),
    Page("workspace", "secretary", ["/workspace/"], MEMBER_MS, "member"),
    Page("review inbox", "reviewer", ["/review/"], MEMBER_MS, "member"),
    Page("compliance dashboard", "supervisor", ["/supervision/"], None),
    Page("create a draft (POST)", "secretary",
         # another=1: a new draft each time, not the period's prepared one
         [f"/workspace/{secretary_org.code}/new/{entry.pk}/?another=1"] if entry else [],
         MEMBER_MS,
         write=True),
]
PAGES = [p for p in PAGES if p.paths]
FLOOR = PAGES[0]

# The goals of the performance work, each over a group of pages.
GOALS = [
    ("public", "anonymous home, list, detail, organization list and page, API, feed: "
     "throughput ÷ trivial page", 0.30),
    ("search", f"search {SEARCH} (anonymous and member) ÷ trivial page", 0.15),
    ("member", "member list, detail, workspace, review inbox, notifications ÷ trivial page",
     0.15),
]
P95_GOALS = [("public", PUBLIC_MS), ("member", MEMBER_MS), ("search", SEARCH_MS)]
MAX_SIGNED_IN_QUERIES = 8


def cold_path(path: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}cold={random.randrange(10**12)}"


def signed_in_clients() -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for role, user in (("member", member), ("secretary", secretary), ("reviewer", reviewer),
                       ("supervisor", supervisor)):
        clients[role] = Client()
        clients[role].force_login(user)
    return clients


def count_queries() -> None:
    """Count each page's queries through Django's test client on the same data, in the
    steady state (the caches filled by a first request; an anonymous page is counted as it
    renders: served from the page cache, it runs none)."""
    clients = signed_in_clients()
    for page in PAGES:
        if page.write or page is FLOOR:
            continue
        reset_queries()
        client = clients[page.role]
        path = cold_path(page.paths[0]) if page.role == "anonymous" else page.paths[0]
        client.get(page.paths[0], HTTP_HOST=HOST)  # the steady state: caches filled
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_HOST=HOST)
        if response.status_code != 200:
            raise SystemExit(f"{page.role} {page.paths[0]} answered {response.status_code}")
        page.queries = len(captured.captured_queries)


# -- profiles --------------------------------------------------------------------------------


def profile_pages(requests: int = 12) -> dict[str, dict]:
    """Profile each page in this process as rendered (anonymous pages at a new address each
    time): milliseconds per request in all and in SQL, and the functions with the most
    time of their own."""
    import cProfile
    import pstats

    clients = signed_in_clients()
    found: dict[str, dict] = {}
    for page in PAGES:
        if page.write or page is FLOOR or page.cold:
            continue
        client = clients[page.role]

        def path_of(n: int, page=page) -> str:
            path = page.paths[n % len(page.paths)]
            return cold_path(path) if page.role == "anonymous" else path

        client.get(path_of(0), HTTP_HOST=HOST)  # warm: templates, connections
        total = sql = 0.0
        profiler = cProfile.Profile()
        for n in range(requests):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                profiler.enable()
                client.get(path_of(n), HTTP_HOST=HOST)
                profiler.disable()
                total += time.perf_counter() - started
            sql += sum(float(q["time"]) for q in captured.captured_queries)
        stats = pstats.Stats(profiler)
        rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
        top = []
        for (filename, line, function), (_cc, _nc, tottime, _ct, _callers) in rows[:8]:
            short = re.sub(r".*/(site-packages|lib/python3\.\d+)/", "", filename)
            short = short.replace(str(ROOT) + "/", "")
            top.append([f"{short}:{line} {function}", round(tottime / requests * 1000, 2)])
        ms, sql_ms = round(total / requests * 1000, 1), round(sql / requests * 1000, 1)
        found[f"{page.role}: {page.name}"] = {"ms": ms, "sql_ms": sql_ms, "top": top}
        print(f"   profile {page.role:<10} {page.name:<32} {ms:7.1f} ms (SQL {sql_ms:.1f})",
              flush=True)
    return found


# -- the server --------------------------------------------------------------------------------


def start_server() -> subprocess.Popen:
    gunicorn = str(Path(PYTHON).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "portal.wsgi", "--bind", f"{HOST}:{PORT}", "--workers", str(args.workers),
         "--worker-class", "sync", "--log-level", "warning", "--max-requests", "0"],
        cwd=ROOT, env=ENV)
    for _ in range(100):
        try:
            conn = HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


# -- capacity with wrk --------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%(paths)s}
local cold = %(cold)s
local i = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  i = i + 1
  local path = paths[(i %% #paths) + 1]
  if cold then
    local sep = "?"
    if string.find(path, "?", 1, true) then sep = "&" end
    path = path .. sep .. "cold=" .. math.random(1, 2000000000) .. "-" .. i
  end
  return wrk.format("GET", path, {["Cookie"] = "%(cookie)s", ["Host"] = "%(host)s"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status, latency:percentile(95)))
end
"""


def capacity(page: Page) -> float | None:
    if page.write:
        return None
    if not page.cold and page is not FLOOR:
        # as readers find them while nothing changes: every address asked once before, by
        # a visitor or by the page's role (the rows marked rendered, and the profiles,
        # measure what a first request costs)
        for path in page.paths[:200]:
            request("GET", path, COOKIES[page.role])
    paths = ", ".join(json.dumps(p) for p in page.paths[:200])
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT % {"paths": paths, "cookie": COOKIES[page.role], "host": HOST,
                                   "cold": "true" if page.cold else "false"})
    out = subprocess.run(["wrk", "-t", "2", "-c", "8", "-d", f"{args.capacity_seconds}s",
                          "--timeout", "10s", "-s", handle.name, f"http://{HOST}:{PORT}"],
                         capture_output=True, text=True, check=True).stdout
    settle()
    os.unlink(handle.name)
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if not match:
        raise SystemExit(out)
    requests, duration_us, socket_errors, status_errors, _p95 = map(int, match.groups())
    rps = requests / (duration_us / 1e6)
    page.capacity.append(rps)
    page.errors += socket_errors + status_errors
    return rps


def settle(limit: float = 60.0) -> None:
    """Wait until the workers have answered what wrk left queued (a slow page's requests
    outlive its measurement): the floor page answers in under 20 ms again."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            request("GET", FLOOR.paths[0], "")
        if time.perf_counter() - started < 0.02:
            return
        time.sleep(0.5)


# -- the mixed run -------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ONCE = re.compile(r'name="_once" value="([^"]+)"')


def request(method: str, path: str, cookie: str, body: str | None = None,
            ) -> tuple[int, bytes, dict[str, str]]:
    conn = HTTPConnection(HOST, PORT, timeout=30)
    headers = {"Host": HOST, "Cookie": cookie}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Referer"] = f"http://{HOST}:{PORT}{path}"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data, dict(response.getheaders())


def visit(page: Page) -> None:
    cookie = COOKIES[page.role]
    path = page.path()
    if page.write:
        state, data, headers = request("GET", path, cookie)
        token, once = CSRF.search(data.decode()), ONCE.search(data.decode())
        csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
        if state != 200 or not token or not once or not csrf_cookie:
            page.errors += 1
            failed(page, f"GET {state}")
            return
        form = urllib.parse.urlencode({
            "csrfmiddlewaretoken": token.group(1), "_once": once.group(1),
            "title": "发展党员情况公示（压力测试）",
            "body": "## 发展对象基本情况\n\n- 姓名：测试\n", "event_date": "2026-11-20"})
        cookie = f"{cookie}; csrftoken={csrf_cookie.group(1)}"
        started = time.perf_counter()
        state, data, _headers = request("POST", path, cookie, form)
        elapsed = time.perf_counter() - started
        ok = state == 302
    else:
        started = time.perf_counter()
        state, data, _headers = request("GET", path, cookie)
        elapsed = time.perf_counter() - started
        ok = state == 200
    page.samples[-1].append(elapsed * 1000)
    if not ok:
        page.errors += 1
        failed(page, f"{'POST' if page.write else 'GET'} {state}" + (
            f": {error_text(data)}" if state == 200 else ""))


def failed(page: Page, what: str) -> None:
    page.failures[what] = page.failures.get(what, 0) + 1


def error_text(html: bytes) -> str:
    """The first error a form shown again says, or what the page's messages say."""
    text = html.decode(errors="replace")
    found = re.search(r'class="[^"]*(?:errorlist|error|alert)[^"]*"[^>]*>(.*?)</', text, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()[:120] \
        if found else "no error shown"


def mixed_run() -> float:
    """Run ``args.users`` users for ``args.duration`` seconds; return the achieved rate."""
    readers = [p for p in PAGES if p.role == "anonymous" and p.target_ms]
    weights = {"anonymous": 0.65, "member": 0.25, "secretary": 0.06, "reviewer": 0.02,
               "supervisor": 0.02}
    by_role: dict[str, list[Page]] = {}
    for page in PAGES:
        page.samples.append([])
        if page is FLOOR or page.cold:
            continue
        by_role.setdefault(page.role, []).append(page)
    stop = time.monotonic() + args.duration
    done = [0]
    lock = threading.Lock()

    def user(seed: int) -> None:
        rng = random.Random(seed)
        role = rng.choices(list(weights), weights=list(weights.values()))[0]
        pages = by_role.get(role) or readers
        time.sleep(rng.uniform(0, 2.0))  # users arrive over two seconds, not all at once
        while time.monotonic() < stop:
            visit(rng.choice(pages))
            with lock:
                done[0] += 1
            time.sleep(rng.uniform(0.5, 1.5))  # think time

    threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - started)


# -- scheduler and archive ------------------------------------------------------------------------


def scheduler_run() -> list[tuple[str, float, str]]:
    """Run each scheduled task's body once, in order of the day, timing each; also the
    generation of the day the next quarter opens, the heaviest day of the year."""
    from django.utils import timezone

    from archive import tasks as archive_tasks
    from disclosure import obligations
    from disclosure import tasks as disclosure_tasks
    from portal import tasks as portal_tasks
    from portal.calendar import period_containing

    opening = period_containing("quarter", timezone.localdate()).next().start
    # Freshly seeded data has no obligations for the running periods yet: the first run
    # creates them all (a catch-up, not a day's work), timed apart.
    started = time.perf_counter()
    caught_up = disclosure_tasks.generate_obligations.run()
    print(f"   catch-up after seeding       {time.perf_counter() - started:7.2f}s  {caught_up}",
          flush=True)
    steps = [
        ("sync_membership_groups", portal_tasks.sync_membership_groups.run),
        ("generate_obligations", disclosure_tasks.generate_obligations.run),
        (f"generate_obligations on {opening} (a quarter opens)",
         lambda: obligations.generate_periodic_obligations(opening)),
        ("archive_due_items", archive_tasks.archive_due_items.run),
        ("release_planned_items", disclosure_tasks.release_planned_items.run),
        ("expire_short_term_items", disclosure_tasks.expire_short_term_items.run),
        ("send_reminders", portal_tasks.send_reminders.run),
        ("send_pending_emails", portal_tasks.send_pending_emails.run),
    ]
    results = []
    for name, step in steps:
        started = time.perf_counter()
        outcome = step()
        results.append((name, time.perf_counter() - started, str(outcome)))
        print(f"   {name:<26} {results[-1][1]:7.2f}s  {outcome}", flush=True)
    return results


def verify_archive() -> tuple[float, str]:
    started = time.perf_counter()
    out = manage("verify_archive", capture=True).stdout.strip()
    return time.perf_counter() - started, out


# -- report ----------------------------------------------------------------------------------------


def pct(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = subprocess.run(["psql", args.database, "-Atc", "SHOW server_version"],
                        capture_output=True, text=True, check=False).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"PostgreSQL {pg or '?'}, gunicorn {args.workers} sync workers")


def median(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def spread(values: list[float], digits: int = 2) -> str:
    return f"{min(values):.{digits}f}–{max(values):.{digits}f}" if values else "–"


def group_p95(group: str) -> tuple[float, list[float]]:
    """The median over rounds of the p95 of all requests to the group's pages."""
    pages = [p for p in PAGES if p.group == group]
    rounds = []
    for n in range(args.repeats):
        samples = [s for p in pages if n < len(p.samples) for s in p.samples[n]]
        if samples:
            rounds.append(pct(samples, 95))
    return median(rounds), rounds


def goal_rows() -> list[str]:
    rows = []
    for group, label, goal in GOALS:
        pages = [p for p in PAGES if p.group == group and p.ratios]
        ratios = [median(p.ratios) for p in pages]
        if not ratios:
            continue
        worst = min(ratios)
        now = (f"{min(ratios):.2f}–{max(ratios):.2f}" if len(ratios) > 1 else f"{worst:.2f}")
        rows.append(f"| {label} | {now} | ≥ {goal:.2f} | {'yes' if worst >= goal else '**no**'} |")
    p95s, goals, met = [], [], True
    for group, target in P95_GOALS:
        value, _rounds = group_p95(group)
        errors = sum(p.errors for p in PAGES if p.group == group)
        p95s.append(f"{value:.0f}")
        goals.append(f"< {target}")
        met = met and value < target and errors == 0
    errors = sum(p.errors for p in PAGES if p.group)
    rows.append(f"| p95 at {args.users} users with think time: public / member / search "
                f"| {' / '.join(p95s)} ms, {errors} errors | {' / '.join(goals)} ms, 0 errors "
                f"| {'yes' if met else '**no**'} |")
    signed_in = [p.queries for p in PAGES
                 if p.role != "anonymous" and not p.write and p.queries is not None]
    if signed_in:
        rows.append(f"| queries per signed-in page | {min(signed_in)}–{max(signed_in)} "
                    f"| ≤ {MAX_SIGNED_IN_QUERIES} "
                    f"| {'yes' if max(signed_in) <= MAX_SIGNED_IN_QUERIES else '**no**'} |")
    return rows


def profile_rows(before: dict, after: dict) -> list[str]:
    lines = ["| Page | Before ms (SQL) | After ms (SQL) "
             "| Most time of its own, after (ms per request) |", "|---|---:|---:|---|"]
    for name, found in after.items():
        old = before.get(name)
        was = f"{old['ms']:.1f} ({old['sql_ms']:.1f})" if old else "–"
        top = "; ".join(f"`{where}` {ms:.1f}" for where, ms in found["top"][:4])
        lines.append(f"| {name} | {was} | {found['ms']:.1f} ({found['sql_ms']:.1f}) | {top} |")
    return lines


def write_report(rate: list[float], schedule, verify, profiles: dict) -> None:
    before_file = ROOT / "docs" / "bench-profile-before.json"
    before = json.loads(before_file.read_text()) if before_file.exists() else {}
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d %H:%M %Z')}: {machine()}.",
        f"Data: {counts['items']:,} items ({counts['public']:,} public), "
        f"{counts['organizations']:,} organizations, {counts['users']:,} users "
        "(`seed_scale`).",
        "",
        "## Goals",
        "",
        "| Measure | Now | Goal | Met |",
        "|---|---|---|:---:|",
        *goal_rows(),
        "",
        "## Pages",
        "",
        "**Capacity** is what one page sustains under wrk with 8 connections and no think "
        "time; **÷ floor** divides it by the capacity of the floor, a trivial Django page "
        "(a 20-row list template, no query) served by the same "
        f"{args.workers} gunicorn workers through the same middleware, measured first in "
        f"each of {args.repeats} rounds: the median of the rounds' ratios, and their spread. "
        "Pages are served as their readers get them while nothing changes, each of a "
        "page's addresses asked once before its measurement by its role: anonymous pages "
        "from the page cache, the part of members' and officers' pages below the "
        "navigation from theirs (`portal/pagecache.py`); the rows marked *rendered* ask a "
        "new address each time, so every request renders. **Latency** comes from a mix of "
        f"{args.users} concurrent users (65% anonymous readers, 25% members, 6% secretaries "
        "who also create drafts, 2% reviewers, 2% supervisors) with 0.5–1.5 s of think "
        f"time, {args.duration} s per round at {median(rate):.1f} requests/s; p50/p95/p99 "
        "over all rounds. **Queries** is the number of SQL queries the page runs when it "
        "renders (the same at any data size: tests pin them on small data).",
        "",
        "| Page | Role | Queries | Capacity req/s | ÷ floor | Spread | Mix req | p50 ms "
        "| p95 ms | p99 ms | Errors | Target p95 | Met |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for page in PAGES:
        samples = page.all_samples
        p95 = pct(samples, 95)
        met = "" if page.target_ms is None else (
            "yes" if p95 < page.target_ms and page.errors == 0 else "**no**")
        ratio = f"{median(page.ratios):.2f}" if page.ratios else "–"
        lines.append(
            f"| {page.name} | {page.role} | {page.queries if page.queries is not None else '–'}"
            f" | {median(page.capacity) if page.capacity else 0:,.1f} | {ratio}"
            f" | {spread(page.ratios)} | {len(samples)} | {pct(samples, 50):.1f} | {p95:.1f}"
            f" | {pct(samples, 99):.1f} | {page.errors}"
            f" | {page.target_ms or '–'} | {met} |")
    total_errors = sum(p.errors for p in PAGES)
    lines += ["", f"Errors in all: {total_errors}.", ""]
    lines += [f"- {page.name} ({page.role}): {what} × {n}" for page in PAGES
              for what, n in sorted(page.failures.items())]
    lines += [""] if any(page.failures for page in PAGES) else []
    lines += ["## Profiles", "",
              "Each page requested in one process through Django's test client, 12 times "
              "after a first request (anonymous pages at a new address each time, so they "
              "render): milliseconds per request in all and in SQL (under cProfile, which "
              "about doubles the Python time), and the functions with the most time of "
              "their own. *Before* is the same measurement on the code "
              "before the page cache and the cached rights (`docs/bench-profile-before.json`)."
              , "", *profile_rows(before, profiles), ""]
    if schedule:
        lines += ["## Daily scheduler run", "",
                  "Each scheduled task's body run once in the order of the day (target: "
                  "under 30 s in all).", "", "| Task | Seconds | Result |", "|---|---:|---|"]
        lines += [f"| {name} | {seconds:.2f} | {result} |" for name, seconds, result in schedule]
        lines += [f"| **total** | **{sum(s for _n, s, _r in schedule):.2f}** | |", ""]
    if verify:
        seconds, out = verify
        lines += ["## Archive verification", "",
                  f"`verify_archive` (hash chain, every record, every file): {seconds:.1f} s "
                  f"— {out}", ""]
    notes = ROOT / "docs" / "benchmark-notes.md"
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    Path(args.out).write_text("\n".join(lines))
    print(f"== wrote {args.out}")


def flush_cache() -> None:
    """Start from an empty cache (the benchmark's own Redis database)."""
    import redis

    redis.Redis.from_url(args.redis).flushdb()


def main() -> None:
    if shutil.which("wrk") is None and not args.profile_only:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    flush_cache()
    print("== counting queries", flush=True)
    count_queries()
    print("== profiles", flush=True)
    profiles = profile_pages()
    if args.profile_only:
        Path(args.profile_only).write_text(json.dumps(profiles, ensure_ascii=False, indent=1))
        print(f"== wrote {args.profile_only}")
        return
    connection.close()
    flush_cache()
    server = start_server()
    rates = []
    try:
        for n in range(1, args.repeats + 1):
            print(f"== round {n}: capacity (wrk, 8 connections)", flush=True)
            floor = capacity(FLOOR) or 1.0
            for page in PAGES[1:]:
                rps = capacity(page)
                if rps is not None:
                    page.ratios.append(rps / floor)
                    print(f"   {page.role:<10} {page.name:<32} {rps:8.1f} req/s "
                          f"÷ floor {rps / floor:.2f}", flush=True)
            print(f"   floor {floor:.1f} req/s", flush=True)
            print(f"== round {n}: mixed run, {args.users} users for {args.duration}s",
                  flush=True)
            rates.append(mixed_run())
            settle()
        for page in PAGES:
            samples = page.all_samples
            if samples:
                print(f"   {page.role:<10} {page.name:<32} n={len(samples):5d} "
                      f"p50={pct(samples, 50):7.1f} p95={pct(samples, 95):7.1f} "
                      f"p99={pct(samples, 99):7.1f} errors={page.errors}"
                      + (f" {page.failures}" if page.failures else ""), flush=True)
    finally:
        server.terminate()
        server.wait()
        flush_cache()
    schedule = None
    if not args.skip_scheduler:
        print("== daily scheduler run", flush=True)
        schedule = scheduler_run()
    print("== verify_archive", flush=True)
    verify = verify_archive()
    print(f"   {verify[0]:.1f}s {verify[1]}", flush=True)
    write_report(rates, schedule, verify, profiles)


if __name__ == "__main__":
    main()
