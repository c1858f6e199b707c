"""Build a city-sized data set on top of the demo: thousands of organizations, tens of
thousands of members and up to millions of items in every state, with their history rows,
review trails, search vectors and a valid archive chain.

Rows are written with PostgreSQL ``COPY`` in batches, one transaction per batch, so a run
that is interrupted leaves whole batches only. Every row is derived from its ordinal number,
so running the command again (with the same or larger numbers) only adds what is missing.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import sys
import time
from collections import defaultdict
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from archive.models import ArchiveRecord
from archive.services import GENESIS, _lock_chain, compute_hash
from catalog.models import CATEGORY_CODES, RULE_FIELDS, CatalogEntry, Category, Frequency
from disclosure.models import DisclosureItem, Review, State
from disclosure.search import _quote as quote
from disclosure.search import tokenize, tsvector_literal
from portal.bulk import copy_rows, reserve_ids
from portal.models import (
    ROLE_PERMISSIONS,
    Membership,
    Organization,
    OrganizationGroupObjectPermission,
    Role,
    RoleGroup,
    User,
)

PREFIX = "SC"
TOP = "CD"  # the demo's committee, which issues the catalog
SCALE_PASSWORD = "demo-pass-2026"
BRANCHES_PER_GENERAL = 50
BODIES = 3000  # distinct item texts; titles are all different
KINDS = [k.value for k in Organization.Kind]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志文辉玉兰海燕"
PLACES = ["东风", "向阳", "红星", "和平", "幸福", "光明", "新华", "胜利", "团结", "前进",
          "建设", "长安", "友谊", "民主", "解放"]
PHRASES = [
    "认真学习贯彻党的二十大精神", "严格落实三会一课制度", "按时足额缴纳党费",
    "开展主题党日活动", "组织党员志愿服务", "推进基层党组织标准化规范化建设",
    "召开组织生活会和民主评议党员", "做好发展党员工作", "加强党员教育管理监督",
    "为群众办实事解难题", "落实全面从严治党主体责任", "开展谈心谈话",
    "党员领导干部讲党课", "社区网格化管理服务", "困难党员走访慰问", "村级重大事项四议两公开",
    "集体资产资源管理", "惠民资金发放情况", "党支部书记述职评议", "党员积分管理",
]


class Progress:
    """A one-line progress bar with rate and time left, on stderr."""

    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total, self.done = label, total, 0
        self.started = self.shown = time.monotonic()
        self.stream = stream or sys.stderr

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.shown < 0.5 and self.done < self.total:
            return
        self.shown = now
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        self.stream.write(
            f"\r{self.label:<12} [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done:>9,}/{self.total:,}  {rate:>8,.0f}/s  {left:>5.0f}s left ")
        self.stream.flush()

    def finish(self) -> None:
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r{self.label:<12} {self.done:,} in {elapsed:.1f}s{' ' * 40}\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Add a city-sized data set (organizations, members, items) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=200,
                            help="organizations below the committee (general branches "
                                 "and branches)")
        parser.add_argument("--members", type=int, default=6000)
        parser.add_argument("--items", type=int, default=100_000)
        parser.add_argument("--archived-share", type=float, default=0.35,
                            help="share of items that are archived (0..1)")
        parser.add_argument("--batch", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale writes with COPY and needs PostgreSQL.")
        if not 0 <= options["archived_share"] <= 1:
            raise CommandError("--archived-share must be between 0 and 1.")
        if options["orgs"] < 2:
            raise CommandError("--orgs must be at least 2.")
        self.options = options
        started = time.monotonic()
        call_command("seed_demo", verbosity=0)
        self.top = Organization.objects.get(code=TOP)
        self.password = make_password(SCALE_PASSWORD)
        generals, branches = self.organizations(options["orgs"])
        self.role_groups(generals, branches)
        self.people(generals, branches, options["members"])
        self.items(branches, options["items"])
        with connection.cursor() as cursor:
            for table in ("disclosure_disclosureitem", "disclosure_review",
                          "archive_archiverecord"):
                cursor.execute(f"ANALYZE {table}")
        self.stdout.write(self.style.SUCCESS(
            f"Scale data ready in {time.monotonic() - started:.0f}s: "
            f"{Organization.objects.count():,} organizations, "
            f"{User.objects.count():,} users, {DisclosureItem.objects.count():,} items, "
            f"{ArchiveRecord.objects.count():,} archive records. "
            f"Accounts sc-m000001 (member), sc-s00001 (secretary), sc-r001 (reviewer); "
            f"password {SCALE_PASSWORD}."))

    # -- organizations -------------------------------------------------------------------

    def organizations(self, total: int) -> tuple[list[Organization], list[Organization]]:
        n_generals = max(1, -(-total // (BRANCHES_PER_GENERAL + 1)))
        n_branches = total - n_generals
        wanted: list[tuple[str, str, str, str, str | None]] = []
        for g in range(1, n_generals + 1):
            kind = KINDS[g % len(KINDS)]
            wanted.append((f"{PREFIX}-{g:03d}", f"{PLACES[g % len(PLACES)]}第{g}党总支",
                           Organization.Level.GENERAL_BRANCH, kind, None))
        for b in range(n_branches):
            g = b % n_generals + 1
            kind = KINDS[g % len(KINDS)]
            wanted.append((f"{PREFIX}-{g:03d}-{b // n_generals + 1:03d}",
                           f"{PLACES[(b + g) % len(PLACES)]}第{b + 1}党支部",
                           Organization.Level.BRANCH, kind, f"{PREFIX}-{g:03d}"))
        existing = {o.code: o for o in Organization.objects.filter(code__startswith=PREFIX + "-")}
        progress = Progress("organizations", len(wanted))
        with transaction.atomic():
            for code, name, level, kind, parent in wanted:
                if code not in existing:
                    existing[code] = Organization.objects.create(
                        code=code, name=name, level=level, kind=kind,
                        parent=existing[parent] if parent else self.top)
                progress.advance(1)
        progress.finish()
        generals = [existing[w[0]] for w in wanted if w[4] is None]
        branches = [existing[w[0]] for w in wanted if w[4] is not None]
        return generals, branches

    def role_groups(self, generals, branches) -> None:
        needed = [(o, Role.MEMBER) for o in generals + branches]
        needed += [(o, Role.SECRETARY) for o in branches]
        needed += [(o, Role.REVIEWER) for o in generals]
        have = set(RoleGroup.objects.filter(organization__code__startswith=PREFIX + "-")
                   .values_list("organization_id", "role"))
        missing = [(o, r) for o, r in needed if (o.pk, r) not in have]
        if not missing:
            return
        perms = {p.codename: p for p in Permission.objects.filter(
            content_type__app_label="portal", codename__in={
                c for codes in ROLE_PERMISSIONS.values() for c in codes})}
        with transaction.atomic():
            groups = Group.objects.bulk_create(
                [Group(name=f"org-{o.pk}-{r}") for o, r in missing], batch_size=2000)
            RoleGroup.objects.bulk_create(
                [RoleGroup(organization=o, role=r, group=g)
                 for (o, r), g in zip(missing, groups, strict=True)], batch_size=2000)
            OrganizationGroupObjectPermission.objects.bulk_create(
                [OrganizationGroupObjectPermission(group=g, permission=perms[c],
                                                   content_object=o)
                 for (o, r), g in zip(missing, groups, strict=True)
                 for c in ROLE_PERMISSIONS[r]], batch_size=2000)
        self.stderr.write(f"role groups   {len(missing):,} created\n")

    # -- people --------------------------------------------------------------------------

    def people(self, generals, branches, members: int) -> None:
        wanted: list[tuple[str, str, Organization, str]] = []
        for g, org in enumerate(generals, 1):
            wanted.append((f"sc-r{g:03d}", self.name(g * 7919), org, Role.REVIEWER))
        for b, org in enumerate(branches, 1):
            wanted.append((f"sc-s{b:05d}", self.name(b * 104729), org, Role.SECRETARY))
        for m in range(1, members + 1):
            wanted.append((f"sc-m{m:06d}", self.name(m), branches[(m - 1) % len(branches)],
                           Role.MEMBER))
        existing = set(User.objects.filter(username__startswith="sc-")
                       .values_list("username", flat=True))
        missing = [w for w in wanted if w[0] not in existing]
        groups = dict(((rg.organization_id, rg.role), rg.group_id)
                      for rg in RoleGroup.objects.filter(
                          organization__code__startswith=PREFIX + "-"))
        progress = Progress("people", len(wanted))
        progress.advance(len(wanted) - len(missing))
        since = dt.date(2020, 1, 1)
        step = self.options["batch"]
        for start in range(0, len(missing), step):
            chunk = missing[start:start + step]
            with transaction.atomic():
                users = User.objects.bulk_create(
                    [User(username=u, full_name=n, password=self.password, language="zh-hans")
                     for u, n, _org, _role in chunk], batch_size=5000)
                self.history_for(User, users, "+")
                memberships = Membership.objects.bulk_create(
                    [Membership(user=user, organization=org, role=role, since=since)
                     for user, (_u, _n, org, role) in zip(users, chunk, strict=True)],
                    batch_size=5000)
                self.history_for(Membership, memberships, "+")
                User.groups.through.objects.bulk_create(
                    [User.groups.through(user_id=user.pk, group_id=groups[(org.pk, role)])
                     for user, (_u, _n, org, role) in zip(users, chunk, strict=True)],
                    batch_size=5000)
            progress.advance(len(chunk))
        progress.finish()

    @staticmethod
    def name(number: int) -> str:
        rng = random.Random(number)
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))

    @staticmethod
    def history_for(model, objects, history_type: str) -> None:
        """Write one historical row per object, as simple-history would have on creation."""
        history = model.history.model
        excluded = {"history_id"}
        columns = [f.attname for f in history._meta.concrete_fields if f.attname not in excluded]
        now = timezone.now()
        specials = {"history_date": now, "history_type": history_type,
                    "history_change_reason": None, "history_user_id": None}
        copy_rows(history, columns, (
            [specials[c] if c in specials else getattr(obj, c) for c in columns]
            for obj in objects))

    # -- items ---------------------------------------------------------------------------

    def items(self, branches: list[Organization], total: int) -> None:
        # Prepared drafts that the scheduler adds to the new organizations are not ours.
        done = DisclosureItem.objects.filter(organization__code__startswith=PREFIX + "-",
                                             created_by__username__startswith="sc-s").count()
        if done >= total:
            self.stderr.write(f"items         {done:,} present\n")
            return
        entries = list(CatalogEntry.objects.filter(
            catalog__issuer=self.top, only_for__isnull=True, active=True)
            .select_related("catalog", "catalog__issuer").order_by("catalog_id", "code"))
        # Each organization drafts from the catalog of its type, as in the portal.
        self.by_kind: dict[str, list[CatalogEntry]] = {}
        for branch in branches:
            if branch.kind not in self.by_kind:
                self.by_kind[branch.kind] = [e for e in entries if e.catalog.binds(branch)]
        if not entries or not all(self.by_kind.values()):
            raise CommandError("The demo catalogs are missing; run seed_demo first.")
        secretaries = dict(Membership.objects.filter(
            organization__in=branches, role=Role.SECRETARY).values_list("organization_id",
                                                                        "user_id"))
        reviewers = dict(Membership.objects.filter(
            organization__code__startswith=PREFIX + "-", role=Role.REVIEWER)
            .values_list("organization_id", "user_id"))
        self.context = (branches, entries, secretaries, reviewers)
        self.numbers: dict[tuple[int, int, str], int] = defaultdict(int)
        for org, year, code, number in (ArchiveRecord.objects.filter(
                organization__code__startswith=PREFIX + "-")
                .values_list("organization_id", "year", "category_code")
                .annotate(m=Max("number")).values_list("organization_id", "year",
                                                       "category_code", "m")):
            self.numbers[(org, year, code)] = number
        progress = Progress("items", total)
        progress.advance(done)
        step = self.options["batch"]
        for start in range(done, total, step):
            count = min(step, total - start)
            with transaction.atomic():
                self.item_batch(range(start, start + count))
            progress.advance(count)
        progress.finish()

    def item_batch(self, ordinals: range) -> None:
        branches, _entries, secretaries, reviewers = self.context
        ids = reserve_ids(DisclosureItem, len(ordinals))
        items, reviews = [], []
        for pk, ordinal in zip(ids, ordinals, strict=True):
            org = branches[ordinal % len(branches)]
            item, trail = self.make_item(pk, ordinal, org, self.by_kind[org.kind],
                                         secretaries[org.pk], reviewers[org.parent_id or 0])
            items.append(item)
            reviews.extend(trail)
        item_columns = [f.attname for f in DisclosureItem._meta.concrete_fields]
        copy_rows(DisclosureItem, item_columns,
                  ([item.get(c) for c in item_columns] for item in items))
        history = DisclosureItem.history.model
        history_columns = [f.attname for f in history._meta.concrete_fields
                           if f.attname != "history_id"]
        copy_rows(history, history_columns, (
            [item.get(c) if c in item else None for c in history_columns]
            for item in (self.history_row(i) for i in items)))
        archived = [i for i in items if i["state"] == State.ARCHIVED]
        if archived:
            records = self.archive_records(archived, reviews)
            columns = ["sequence", "item_id", "organization_id", "year", "category_code",
                       "number", "archive_number", "retention", "reason", "snapshot",
                       "archived_at", "archived_by_id", "prev_hash", "record_hash"]
            copy_rows(ArchiveRecord, columns,
                      ([getattr(r, c) for c in columns] for r in records))
            reviews.extend((r.item_id, r.archived_by_id, Review.Action.ARCHIVE,
                            r.archive_number, False, r.archived_at) for r in records)
        copy_rows(Review, ["item_id", "actor_id", "action", "comment",
                           "confidentiality_checked", "created_at"], reviews)

    @staticmethod
    def history_row(item: dict) -> dict:
        return {**item, "history_date": item["updated_at"], "history_type": "+",
                "history_user_id": item["created_by_id"],
                "history_change_reason": None}

    def make_item(self, pk, ordinal, org, entries, secretary, reviewer):
        rng = random.Random(self.options["seed"] * 1_000_003 + ordinal)
        entry = entries[ordinal % len(entries)]
        now = timezone.now().replace(microsecond=0)
        created = now - timedelta(days=rng.uniform(1, 5 * 365))
        year, quarter = created.year, (created.month - 1) // 3 + 1
        title = f"{org.name}{entry.title}（{year}年第{quarter}季度）"
        if entry.frequency == Frequency.TIMELY:
            title = f"{org.name}{entry.title}（{created:%Y年%m月}·{rng.choice(PLACES)}）"
        body_number = rng.randrange(BODIES)
        body = self.body(body_number)
        state = self.pick_status(rng, entry, created, now)
        published = state in (State.INTERNAL, State.PUBLIC, State.EXPIRED,
                               State.WITHDRAWN, State.ARCHIVED)
        submitted = created + timedelta(hours=rng.uniform(1, 48))
        approved = submitted + timedelta(hours=rng.uniform(1, 72))
        internal = approved + timedelta(hours=rng.uniform(0, 24))
        public = None
        if published and entry.goes_public and state != State.WITHDRAWN:
            public = internal + timedelta(days=entry.lead_days or 0, hours=1)
        display_until = None
        if entry.display_days:
            display_until = (public or internal).date() + timedelta(days=entry.display_days)
        if display_until and display_until < now.date() and state in (State.INTERNAL,
                                                                      State.PUBLIC):
            state = State.EXPIRED
        closed = None
        if state in (State.EXPIRED, State.WITHDRAWN) or (
                state == State.ARCHIVED and display_until is not None):
            closed = datetime_at(display_until) if display_until else internal + timedelta(
                days=rng.randint(30, 300))
        last = max(t for t in (created, submitted if state != State.DRAFT else None,
                               approved if state not in (State.DRAFT, State.SUBMITTED)
                               else None,
                               internal if published else None, public, closed) if t)
        archived_at = last + timedelta(days=rng.randint(1, 60)) if state == State.ARCHIVED \
            else None
        if archived_at is not None and archived_at > now:
            archived_at = now
        period_start = period_end = None
        if entry.frequency == Frequency.PERIODIC:
            period_start = dt.date(year, 3 * (quarter - 1) + 1, 1)
            period_end = (period_start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
        item = {
            "id": pk, "organization_id": org.pk, "entry_id": entry.pk, "title": title[:200],
            "body": body, "category": entry.category,
            **{name: getattr(entry, name) for name in RULE_FIELDS},
            "event_date": created.date() if entry.frequency == Frequency.TIMELY else None,
            "period_start": period_start, "period_end": period_end,
            "display_until": display_until, "state": state, "created_by_id": secretary,
            "created_at": created, "updated_at": archived_at or last,
            "submitted_at": submitted if state != State.DRAFT else None,
            "approved_at": approved if state not in (State.DRAFT, State.SUBMITTED) else None,
            "internal_at": internal if published else None,
            "planned_public_at": None, "public_at": public, "closed_at": closed,
            "archived_at": archived_at, "publicity_result": "", "publicity_conclusion": "",
            "search_vector": self.search_vector(title, body_number),
        }
        trail = []
        if item["submitted_at"]:
            trail.append((pk, secretary, Review.Action.SUBMIT, "", False, submitted))
        if item["approved_at"]:
            trail.append((pk, reviewer, Review.Action.APPROVE, "同意公开。", True, approved))
        if published:
            trail.append((pk, secretary, Review.Action.PUBLISH_INTERNAL, "", False, internal))
        if public:
            trail.append((pk, secretary, Review.Action.RELEASE_PUBLIC, "", False, public))
        return item, trail

    @staticmethod
    @functools.cache
    def body(number: int) -> str:
        rng = random.Random(number)
        return "\n\n".join(
            f"{i + 1}. {rng.choice(PHRASES)}，{rng.choice(PHRASES)}。"
            f"参加人员：{Command.name(rng.randrange(10**6))}等{rng.randint(5, 60)}名党员。"
            for i in range(rng.randint(3, 8)))

    def search_vector(self, title: str, body_number: int) -> str:
        """The literal ``search.reindex`` writes: title tokens, then the body's from the
        next position. PostgreSQL merges a lexeme's positions from both parts."""
        title_tokens = tokenize(title)
        start = (title_tokens[-1].position + 2) if title_tokens else 1
        return f"{tsvector_literal(title, '')} {self.body_vector(body_number, start)}"

    @functools.lru_cache(maxsize=200_000)  # noqa: B019 - the command object lives for one run
    def body_vector(self, body_number: int, start: int) -> str:
        lexemes: dict[str, list[str]] = {}
        for token in tokenize(self.body(body_number), start):
            lexemes.setdefault(token.text, []).append(str(token.position))
        return " ".join(f"{quote(text)}:{','.join(pos[:256])}" for text, pos in lexemes.items())

    def pick_status(self, rng, entry, created, now) -> str:
        age = (now - created).days
        archived_share = self.options["archived_share"]
        u = rng.random()
        if age > 30 and u < archived_share:
            return State.ARCHIVED
        u = rng.random()
        if age < 20 and u < 0.25:
            return rng.choice([State.DRAFT, State.SUBMITTED, State.APPROVED])
        if u < 0.03:
            return State.WITHDRAWN
        if entry.display_days and u < 0.5:
            return State.EXPIRED
        if entry.goes_public:
            return State.PUBLIC
        return State.INTERNAL

    def archive_records(self, items: list[dict], reviews: list[tuple]) -> list[ArchiveRecord]:
        """Chain records for ``items`` onto the archive under its lock, as archiving does."""
        branches, entries, _s, _r = self.context
        orgs = {o.pk: o for o in branches}
        by_entry = {e.pk: e for e in entries}
        trails: dict[int, list[tuple]] = defaultdict(list)
        for row in reviews:
            trails[row[0]].append(row)
        names = dict(User.objects.filter(
            pk__in={r[1] for r in reviews}).values_list("pk", "username"))
        _lock_chain()
        last = ArchiveRecord.objects.order_by("-sequence").values(
            "sequence", "record_hash").first()
        sequence, prev = (last["sequence"], last["record_hash"]) if last else (0, GENESIS)
        records = []
        for item in items:
            org, entry = orgs[item["organization_id"]], by_entry[item["entry_id"]]
            year = timezone.localtime(item["internal_at"]).year
            category = CATEGORY_CODES[Category(item["category"])]
            self.numbers[(org.pk, year, category)] += 1
            number = self.numbers[(org.pk, year, category)]
            sequence += 1
            record = ArchiveRecord(
                sequence=sequence, item_id=item["id"], organization_id=org.pk, year=year,
                category_code=category, number=number,
                archive_number=f"{org.code}-{year}-{category}-{number:04d}",
                retention=entry.retention,
                reason=(ArchiveRecord.Reason.EXPIRED if item["closed_at"]
                        else ArchiveRecord.Reason.CLOSED),
                snapshot=snapshot(item, org, entry, trails[item["id"]], names),
                archived_at=item["archived_at"].astimezone(dt.UTC),
                archived_by_id=item["created_by_id"], prev_hash=prev)
            record.record_hash = compute_hash(record)
            prev = record.record_hash
            records.append(record)
        return records


def datetime_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def _when(value) -> str | None:
    return value.isoformat() if value else None


def snapshot(item: dict, org, entry, trail: list[tuple], names: dict[int, str]) -> dict:
    """The frozen record of an item, in the shape ``archive.services.snapshot_of`` gives."""
    return {
        "id": item["id"], "title": item["title"], "body": item["body"],
        "organization": {"code": org.code, "name": org.name},
        "entry": {"code": entry.code, "title": entry.title, "catalog": str(entry.catalog)},
        "category": item["category"],
        "audience": {"party": item["party_audience"], "public": item["public_audience"],
                     "range_leadership": item["range_leadership"],
                     "range_cadres": item["range_cadres"], "range_organizations": []},
        "duration": item["duration"], "display_days": item["display_days"],
        "frequency": item["frequency"],
        "status": State.EXPIRED if item["closed_at"] else State.PUBLIC
        if item["public_at"] else State.INTERNAL,
        "event_date": _when(item["event_date"]), "period_start": _when(item["period_start"]),
        "period_end": _when(item["period_end"]),
        "display_until": _when(item["display_until"]),
        "created_at": _when(item["created_at"]), "submitted_at": _when(item["submitted_at"]),
        "approved_at": _when(item["approved_at"]), "internal_at": _when(item["internal_at"]),
        "public_at": _when(item["public_at"]), "closed_at": _when(item["closed_at"]),
        "reviews": [{"action": str(action), "actor": names.get(actor, ""), "actor_name": "",
                     "comment": comment, "confidentiality_checked": checked,
                     "at": at.isoformat()}
                    for _pk, actor, action, comment, checked, at in trail],
        "attachments": [],
    }
