#!/usr/bin/env python
"""The load benchmark behind ``make bench``.

1. Builds (or tops up) the scale data set with ``seed_scale`` in its own PostgreSQL database.
2. Starts the portal under gunicorn with production settings on PostgreSQL and Redis.
3. Capacity: for each page, wrk (a second process, in C) requests it as fast as 8
   connections allow; throughput is reported against a trivial Django page (one template,
   no queries), the floor, so results compare across machines.
4. Latency: a mix of 50 concurrent users with think time (anonymous readers, members and
   secretaries who write) runs from another process; per page p50/p95/p99 and errors.
5. Times the scheduler's daily run and ``verify_archive``; counts each page's queries.
6. Writes ``BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
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
parser.add_argument("--duration", type=int, default=60, help="seconds of the mixed run")
parser.add_argument("--capacity-seconds", type=int, default=8)
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
    "DJANGO_SETTINGS_MODULE": "portal.settings",
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

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import CatalogEntry  # noqa: E402
from disclosure.models import DisclosureItem, State  # noqa: E402
from portal.models import Membership, Organization, User  # noqa: E402

member = User.objects.get(username="sc-m000001")
secretary = User.objects.get(username="sc-s00001")
reviewer = User.objects.get(username="sc-r001")
supervisor = User.objects.get(username="supervisor")
member_org = Membership.objects.get(user=member).organization
secretary_org = Membership.objects.get(user=secretary).organization
entry = CatalogEntry.objects.for_organization(secretary_org).filter(code="ZZ-02").first()
public_ids = list(DisclosureItem.objects.filter(state=State.PUBLIC)
                  .order_by("?").values_list("pk", flat=True)[:2000])
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
    write: bool = False
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    queries: int | None = None
    capacity_rps: float | None = None

    def path(self) -> str:
        return random.choice(self.paths)


def pick(ids, fmt, n=300):
    return [fmt.format(i) for i in ids[:n]] or [fmt.format(0)]


PUBLIC_MS, MEMBER_MS = 50, 80
PAGES = [
    Page("floor: trivial Django page", "anonymous", ["/health/"], None),
    Page("home", "anonymous", ["/"], PUBLIC_MS),
    Page("item list", "anonymous", ["/items/"], PUBLIC_MS),
    Page("item list, page 40", "anonymous", ["/items/?page=40"], PUBLIC_MS),
    Page("item detail", "anonymous", pick(public_ids, "/items/{}/"), PUBLIC_MS),
    Page(f"search '{SEARCH}'", "anonymous", [f"/items/?q={urllib.parse.quote(SEARCH)}"],
         100),
    Page("organization list", "anonymous", ["/orgs/"], PUBLIC_MS),
    Page("organization page", "anonymous", pick(org_codes, "/orgs/{}/"), PUBLIC_MS),
    Page("Atom feed", "anonymous", ["/feeds/items.atom"], PUBLIC_MS),
    Page("API item list", "anonymous", ["/api/v1/items/"], PUBLIC_MS),
    Page("item list", "member", ["/items/"], MEMBER_MS),
    Page("my organization's items", "member", ["/mine/"], MEMBER_MS),
    Page("item detail", "member", pick(internal_ids, "/items/{}/"), MEMBER_MS),
    Page(f"search '{SEARCH}'", "member", [f"/items/?q={urllib.parse.quote(SEARCH)}"], 100),
    Page("notifications", "member", ["/notifications/"], MEMBER_MS),
    Page("workspace", "secretary", ["/workspace/"], MEMBER_MS),
    Page("review inbox", "reviewer", ["/review/"], MEMBER_MS),
    Page("compliance dashboard", "supervisor", ["/supervision/"], None),
    Page("create a draft (POST)", "secretary",
         [f"/workspace/{secretary_org.code}/new/{entry.pk}/"] if entry else [], MEMBER_MS,
         write=True),
]
PAGES = [p for p in PAGES if p.paths]


def count_queries() -> None:
    """Count each page's queries through Django's test client on the same data."""
    clients = {"anonymous": Client()}
    for role, user in (("member", member), ("secretary", secretary), ("reviewer", reviewer),
                       ("supervisor", supervisor)):
        clients[role] = Client()
        clients[role].force_login(user)
    for page in PAGES:
        if page.write:
            continue
        reset_queries()
        client = clients[page.role]
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.paths[0], HTTP_HOST=HOST)
        if response.status_code != 200:
            raise SystemExit(f"{page.role} {page.paths[0]} answered {response.status_code}")
        page.queries = len(captured.captured_queries)


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
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Cookie"] = "%(cookie)s",
                    ["Host"] = "%(host)s"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status, latency:percentile(95)))
end
"""


def capacity(page: Page) -> None:
    if page.write:
        return
    paths = ", ".join(json.dumps(p) for p in page.paths[:200])
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT % {"paths": paths, "cookie": COOKIES[page.role], "host": HOST})
    out = subprocess.run(["wrk", "-t", "2", "-c", "8", "-d", f"{args.capacity_seconds}s",
                          "-s", handle.name, f"http://{HOST}:{PORT}"],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(handle.name)
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if not match:
        raise SystemExit(out)
    requests, duration_us, socket_errors, status_errors, _p95 = map(int, match.groups())
    page.capacity_rps = requests / (duration_us / 1e6)
    page.errors += socket_errors + status_errors
    print(f"   capacity {page.role:<10} {page.name:<32} {page.capacity_rps:8.1f} req/s",
          flush=True)


# -- the mixed run -------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


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
        token = CSRF.search(data.decode())
        csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
        if state != 200 or not token or not csrf_cookie:
            page.errors += 1
            return
        form = urllib.parse.urlencode({
            "csrfmiddlewaretoken": token.group(1), "title": "发展党员情况公示（压力测试）",
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
    page.samples.append(elapsed * 1000)
    if not ok:
        page.errors += 1


def mixed_run() -> float:
    """Run ``args.users`` users for ``args.duration`` seconds; return the achieved rate."""
    readers = [p for p in PAGES if p.role == "anonymous" and p.target_ms]
    weights = {"anonymous": 0.65, "member": 0.25, "secretary": 0.06, "reviewer": 0.02,
               "supervisor": 0.02}
    by_role: dict[str, list[Page]] = {}
    for page in PAGES:
        if page.name.startswith("floor"):
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


def write_report(rate: float, schedule, verify) -> None:
    floor = next(p for p in PAGES if p.name.startswith("floor"))
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d %H:%M %Z')}: {machine()}.",
        f"Data: {counts['items']:,} items ({counts['public']:,} public), "
        f"{counts['organizations']:,} organizations, {counts['users']:,} users "
        "(`seed_scale`).",
        "",
        "**Capacity** is what one page sustains under wrk with 8 connections and no think "
        "time; **÷ floor** divides it by the capacity of `/health/` (one template, no "
        "queries), so it compares across machines. **Latency** comes from a mix of "
        f"{args.users} concurrent users (65% anonymous readers, 25% members, 6% secretaries "
        "who also create drafts, 2% reviewers, 2% supervisors) with 0.5–1.5 s of think "
        f"time, for {args.duration} s at {rate:.1f} requests/s in all. **Queries** is the "
        "number of SQL queries the page runs (the same at any data size: tests pin them on "
        "small data).",
        "",
        "| Page | Role | Queries | Capacity req/s | ÷ floor | Mix req | p50 ms | p95 ms "
        "| p99 ms | Errors | Target p95 | Met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for page in PAGES:
        ratio = (page.capacity_rps / floor.capacity_rps
                 if page.capacity_rps and floor.capacity_rps else None)
        p95 = pct(page.samples, 95)
        met = "" if page.target_ms is None else (
            "yes" if p95 < page.target_ms and page.errors == 0 else "**no**")
        lines.append(
            f"| {page.name} | {page.role} | {page.queries if page.queries is not None else '–'}"
            f" | {page.capacity_rps or 0:,.1f} | {f'{ratio:.2f}' if ratio else '–'}"
            f" | {len(page.samples)} | {pct(page.samples, 50):.1f} | {p95:.1f}"
            f" | {pct(page.samples, 99):.1f} | {page.errors}"
            f" | {page.target_ms or '–'} | {met} |")
    total_errors = sum(p.errors for p in PAGES)
    lines += ["", f"Errors in all: {total_errors}.", ""]
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


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    print("== counting queries", flush=True)
    count_queries()
    connection.close()
    server = start_server()
    try:
        print("== capacity (wrk, 8 connections)", flush=True)
        for page in PAGES:
            capacity(page)
        print(f"== mixed run: {args.users} users for {args.duration}s", flush=True)
        rate = mixed_run()
        for page in PAGES:
            if page.samples:
                print(f"   {page.role:<10} {page.name:<32} n={len(page.samples):5d} "
                      f"p50={pct(page.samples, 50):7.1f} p95={pct(page.samples, 95):7.1f} "
                      f"p99={pct(page.samples, 99):7.1f} errors={page.errors}", flush=True)
    finally:
        server.terminate()
        server.wait()
    schedule = None
    if not args.skip_scheduler:
        print("== daily scheduler run", flush=True)
        schedule = scheduler_run()
    print("== verify_archive", flush=True)
    verify = verify_archive()
    print(f"   {verify[0]:.1f}s {verify[1]}", flush=True)
    write_report(rate, schedule, verify)


if __name__ == "__main__":
    main()
