#!/usr/bin/env python3
"""Backup and restore drill: dump the portal's database under write load, copy its media
files, restore both into a new database and prove the copy is whole.

Steps:

1. A write load starts on the source: offline feedback recorded through
   ``feedback.services.feedback_record_offline``, one transaction per entry, each with its
   history row, counting what it commits (``--no-load`` leaves the source untouched).
2. The media files are copied (first pass), then a REPEATABLE READ transaction exports its
   snapshot (``pg_export_snapshot()``). ``pg_dump --format=custom --snapshot=<id>`` dumps
   exactly that instant while the same transaction counts every table's rows, so the counts
   and the dump agree even though the load keeps writing. The media files are copied again
   (second pass) while the dump runs, and a manifest of SHA-256 digests is written.
3. The dump is restored into a NEW database (``pg_restore --no-owner --exit-on-error``); the
   source is only ever read (apart from the load).
4. Checks: every table of the restore has the snapshot's row count; the load's rows are in
   the restore exactly when they were in the snapshot; every attachment and archived file
   named by a restored row exists in the media copy with the digest its row stores; every
   file of the manifest still has its digest; ``manage.py verify_archive`` passes against
   the restored database and media copy.

Why the file copy is consistent with the dump: the portal writes a file before the row that
names it commits (``attachment_add`` saves the file, then the row, in one transaction;
``archive_item`` copies the files inside its transaction and removes them if it rolls
back), and it never rewrites a file in place (a new upload gets a new name; archived copies
are read-only). So every file named by a row of the snapshot exists, complete, when the
snapshot is taken, and the second pass, which starts after the snapshot, finds it. Files
can disappear after the snapshot (``attachment_remove`` and ``item_discard`` delete the
files of drafts once their transaction commits); the first pass, taken before the
snapshot, already holds those, and no pass ever deletes from the copy. Extra files (of rows
committed after the snapshot, or of uploads that rolled back) are harmless: no restored
row names them. The remaining gap, a draft's file uploaded after the first pass and
deleted before the second, is what the digest check would report.

Exit status: 0 when every check passes, 1 on any mismatch, 2 when the drill could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_REPEATABLE_READ

BASE_DIR = Path(__file__).resolve().parent.parent
MAX_IDENTIFIER = 63  # PostgreSQL truncates longer database names
TABLES_SQL = """
    SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema'
      AND n.nspname !~ '^pg_'
    ORDER BY 1, 2
"""


class DrillError(Exception):
    """The drill could not run (as opposed to: it ran and found a mismatch)."""


# --- databases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """A PostgreSQL database given by URL; the password never goes on a command line."""

    url: str

    @classmethod
    def parse(cls, url: str) -> Database:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql") or not parts.path.strip("/"):
            raise DrillError("the source must be a PostgreSQL URL with a database name, "
                             "e.g. postgres://user@host:5432/portal (--source or DATABASE_URL)")
        return cls(url)

    @property
    def name(self) -> str:
        return unquote(urlsplit(self.url).path.lstrip("/"))

    def renamed(self, name: str) -> Database:
        return Database(urlunsplit(urlsplit(self.url)._replace(path="/" + quote(name))))

    def libpq_url(self) -> str:
        """Return the URL without its password, for pg_dump, pg_restore and reports."""
        parts = urlsplit(self.url)
        userinfo, at, hostport = parts.netloc.rpartition("@")
        netloc = f"{userinfo.partition(':')[0]}@{hostport}" if at else hostport
        return urlunsplit(parts._replace(scheme="postgresql", netloc=netloc))

    def tool_env(self) -> dict[str, str]:
        password = urlsplit(self.url).password
        env = dict(os.environ)
        if password:
            env["PGPASSWORD"] = unquote(password)
        return env

    def connect(self):
        try:
            return psycopg2.connect(self.url)
        except psycopg2.OperationalError as error:
            raise DrillError(f"cannot connect to {self.libpq_url()}: {error}") from error


def database_exists(server: Database, name: str) -> bool:
    with closing(server.connect()) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def create_database(source: Database, target: Database) -> None:
    """Create ``target`` empty from template0, with the source's encoding and locale."""
    with closing(source.connect()) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_encoding_to_char(encoding), datcollate, datctype "
                           "FROM pg_database WHERE datname = current_database()")
            encoding, collate, ctype = cursor.fetchone()
            cursor.execute(sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE {} LC_CTYPE {}"
            ).format(sql.Identifier(target.name), sql.Literal(encoding), sql.Literal(collate),
                     sql.Literal(ctype)))


def drop_database(source: Database, target: Database) -> None:
    with closing(source.connect()) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(
                sql.Identifier(target.name)))


def table_counts(conn) -> dict[str, int]:
    """Return {schema.table: rows} of every table, as the connection's transaction sees it."""
    counts: dict[str, int] = {}
    with conn.cursor() as cursor:
        cursor.execute(TABLES_SQL)
        for schema, table in cursor.fetchall():
            cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)))
            counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def present_ids(conn, table: str, ids: list[int]) -> set[int]:
    with conn.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT id FROM {} WHERE id = ANY(%s)").format(
            sql.Identifier(table)), [ids])
        return {row[0] for row in cursor.fetchall()}


@dataclass
class Snapshot:
    """An open REPEATABLE READ transaction on the source and the snapshot it exported."""

    conn: Any
    id: str
    taken_at: dt.datetime


def export_snapshot(source: Database) -> Snapshot:
    conn = source.connect()
    conn.set_session(isolation_level=ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
    with conn.cursor() as cursor:
        # The transaction's snapshot is taken by its first statement, this one.
        cursor.execute("SELECT pg_export_snapshot(), statement_timestamp()")
        snapshot_id, taken_at = cursor.fetchone()
    return Snapshot(conn, snapshot_id, taken_at)


def start_dump(source: Database, snapshot: Snapshot, path: Path) -> subprocess.Popen:
    log = path.with_name("pg_dump.log").open("wb")
    return subprocess.Popen(
        ["pg_dump", "--format=custom", f"--snapshot={snapshot.id}", f"--file={path}",
         "--no-password", f"--dbname={source.libpq_url()}"],
        env=source.tool_env(), stdout=log, stderr=subprocess.STDOUT)


def restore(target: Database, dump: Path) -> None:
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--no-password",
         f"--dbname={target.libpq_url()}", str(dump)],
        env=target.tool_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DrillError(f"pg_restore failed ({done.returncode}): {done.stderr.strip()}")


# --- media files -----------------------------------------------------------------------


@dataclass(frozen=True)
class CopiedFile:
    seen: tuple[int, int]  # (size, mtime_ns) of the source when it was copied
    size: int
    sha256: str


def copy_media(source: Path, target: Path, done: dict[str, CopiedFile]) -> int:
    """Copy the files of ``source`` not yet in ``done`` or changed since into ``target``;
    return how many. Nothing is deleted from the copy."""
    copied = 0
    if not source.is_dir():
        return 0
    for root, _dirs, names in os.walk(source):
        for name in names:
            path = Path(root, name)
            relative = path.relative_to(source).as_posix()
            try:
                info = path.stat(follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):
                    continue
                seen = (info.st_size, info.st_mtime_ns)
                if relative in done and done[relative].seen == seen:
                    continue
                digest, size = copy_file(path, target / relative, info.st_mode)
            except FileNotFoundError:  # removed meanwhile: its row is gone too, or will be
                continue
            done[relative] = CopiedFile(seen, size, digest)
            copied += 1
    return copied


def copy_file(source: Path, target: Path, mode: int) -> tuple[str, int]:
    """Copy one file, keeping its permissions; return the digest and size of what was
    written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, partial.open("wb") as writer:
        for chunk in iter(lambda: reader.read(1 << 20), b""):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    os.chmod(partial, stat.S_IMODE(mode))
    os.replace(partial, target)
    return digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- the write load --------------------------------------------------------------------


def load_actor():
    """Return (organization, user) for the load: the first secretary or committee member
    who may record feedback."""
    from portal.models import Role, RoleGroup
    from portal.roles import has_org_perm

    groups = (RoleGroup.objects.filter(role__in=[Role.SECRETARY, Role.COMMITTEE])
              .select_related("organization", "group").order_by("organization__path", "pk"))
    for role_group in groups:
        user = role_group.group.user_set.filter(is_active=True).order_by("pk").first()
        if user is not None and has_org_perm(user, "publish", role_group.organization):
            return role_group.organization, user
    raise DrillError("no active secretary or committee member to run the write load as; "
                     "load the demo data (manage.py seed_demo) or pass --no-load")


class WriteLoad(threading.Thread):
    """Record offline feedback through the service until halted, one commit per entry."""

    def __init__(self, organization, actor, interval: float) -> None:
        super().__init__(name="drill-write-load", daemon=True)
        self.organization, self.actor, self.interval = organization, actor, interval
        self.ids: list[int] = []
        self.error: BaseException | None = None
        self._halt = threading.Event()
        self._changed = threading.Condition()

    def run(self) -> None:
        from django.db import connection

        from feedback.models import Feedback
        from feedback.services import feedback_record_offline

        try:
            while not self._halt.is_set():
                entry = feedback_record_offline(
                    organization=self.organization, actor=self.actor,
                    channel=Feedback.Channel.HOTLINE, name="备份演练",
                    body=f"备份恢复演练的写入负载，第 {len(self.ids) + 1} 条。")
                with self._changed:
                    self.ids.append(entry.pk)
                    self._changed.notify_all()
                self._halt.wait(self.interval)
        except BaseException as error:  # reported by wait_for() and stop()
            self.error = error
        finally:
            connection.close()
            with self._changed:
                self._changed.notify_all()

    def committed(self) -> int:
        with self._changed:
            return len(self.ids)

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        with self._changed:
            self._changed.wait_for(
                lambda: len(self.ids) >= count or self.error is not None
                or not self.is_alive(), timeout)
            if self.error is not None:
                raise DrillError(f"the write load failed: {self.error!r}")
            if len(self.ids) < count:
                raise DrillError("the write load did not commit in time")

    def halt(self) -> None:
        self._halt.set()

    def stop(self) -> list[int]:
        self._halt.set()
        self.join()
        if self.error is not None:
            raise DrillError(f"the write load failed: {self.error!r}")
        return list(self.ids)


# --- the report ------------------------------------------------------------------------


@dataclass
class Report:
    mode: str
    facts: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        print(text, flush=True)

    def problem(self, text: str) -> None:
        self.problems.append(text)
        print(f"  MISMATCH {text}", flush=True)

    @contextmanager
    def timer(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.timings[name] = round(time.monotonic() - started, 3)

    def as_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "result": "fail" if self.problems else "pass",
                "problems": self.problems, "timings": self.timings, **self.facts}

    def finish(self, json_path: Path | None) -> int:
        timings = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.timings.items())
        self.say(f"timings: {timings}")
        if self.problems:
            self.say(f"RESULT: FAIL, {len(self.problems)} mismatch(es):")
            for text in self.problems:
                self.say(f"  - {text}")
        else:
            self.say("RESULT: PASS")
        if json_path is not None:
            json_path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False,
                                            default=str), encoding="utf-8")
        return 1 if self.problems else 0


# --- the checks ------------------------------------------------------------------------


def file_rows(conn) -> Iterator[tuple[str, int, str, str]]:
    """Yield (label, id, file name, stored digest) of every attachment and archived file."""
    from archive.models import ArchivedFile
    from disclosure.models import Attachment

    for label, model in (("attachment", Attachment), ("archived file", ArchivedFile)):
        query = sql.SQL("SELECT id, {}, sha256 FROM {} ORDER BY id").format(
            sql.Identifier(model._meta.get_field("file").column),
            sql.Identifier(model._meta.db_table))
        with conn.cursor() as cursor:
            cursor.execute(query)
            for pk, name, digest in cursor.fetchall():
                yield label, pk, name, digest


def media_path(media: Path, name: str) -> Path | None:
    """Return the file ``name`` inside ``media``, or None if it points outside it."""
    path = (media / name).resolve()
    return path if path.is_relative_to(media.resolve()) else None


def check_row_files(conn, media: Path, report: Report) -> None:
    checked: dict[str, int] = {"attachment": 0, "archived file": 0}
    for label, pk, name, expected in file_rows(conn):
        checked[label] += 1
        path = media_path(media, name) if name else None
        if path is None or not path.is_file():
            report.problem(f"{label} {pk}: file {name!r} is missing from the media copy")
        elif (actual := file_sha256(path)) != expected:
            report.problem(f"{label} {pk}: file {name!r} has digest {actual}, "
                           f"the database stores {expected}")
    report.facts["files_checked"] = checked
    report.say(f"  files    {checked['attachment']} attachment and {checked['archived file']} "
               "archived files checked against their stored SHA-256")


def check_manifest_files(files: dict[str, dict], media: Path, report: Report) -> None:
    for relative, entry in sorted(files.items()):
        path = media_path(media, relative)
        if path is None or not path.is_file():
            report.problem(f"manifest file {relative!r} is missing from the media copy")
        elif file_sha256(path) != entry["sha256"]:
            report.problem(f"manifest file {relative!r} no longer has its recorded digest")
    report.facts["manifest_files_checked"] = len(files)
    report.say(f"  manifest {len(files)} copied files checked against the manifest digests")


def compare_counts(expected: dict[str, int], actual: dict[str, int], report: Report) -> None:
    for table in sorted(expected.keys() | actual.keys()):
        if table not in actual:
            report.problem(f"table {table} is missing from the restore")
        elif table not in expected:
            report.problem(f"table {table} is in the restore but not in the snapshot")
        elif actual[table] != expected[table]:
            report.problem(f"table {table} has {actual[table]} rows, the snapshot had "
                           f"{expected[table]}")


def run_verify_archive(db: Database, media: Path, report: Report) -> None:
    env = {**os.environ, "DATABASE_URL": db.url, "MEDIA_ROOT": str(media),
           "DB_CONN_MAX_AGE": "0"}
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "verify_archive", "--all"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False)
    said = [line for line in done.stdout.splitlines() if line.strip()]
    report.facts["verify_archive"] = {"exit": done.returncode, "output": said}
    if done.returncode != 0:
        detail = "; ".join(said[-5:] or done.stderr.strip().splitlines()[-3:])
        report.problem(f"verify_archive failed on the restore: {detail}")
    else:
        report.say(f"  archive  verify_archive: {said[-1] if said else 'passed'}")


def verify(db: Database, media: Path, manifest: dict | None, report: Report) -> None:
    """Check a restored database and media tree; with a manifest, also against the backup."""
    report.say(f"checking {db.name} with media {media}")
    with report.timer("checks"):
        with closing(db.connect()) as conn:
            conn.set_session(readonly=True)
            counts = table_counts(conn)
            report.facts.update(tables_checked=len(counts), rows_checked=sum(counts.values()))
            if manifest is not None:
                compare_counts(manifest["tables"], counts, report)
                report.say(f"  rows     {len(counts)} tables, {sum(counts.values())} rows "
                           "compared with the snapshot's counts")
            check_row_files(conn, media, report)
        if manifest is not None:
            check_manifest_files(manifest["files"], media, report)
        run_verify_archive(db, media, report)


# --- the drill -------------------------------------------------------------------------


@dataclass
class Backup:
    directory: Path
    temporary: bool

    @property
    def dump(self) -> Path:
        return self.directory / "portal.dump"

    @property
    def media(self) -> Path:
        return self.directory / "media"

    @property
    def manifest(self) -> Path:
        return self.directory / "manifest.json"


def prepare_backup(directory: Path | None) -> Backup:
    if directory is None:
        return Backup(Path(tempfile.mkdtemp(prefix="portal-drill-")), temporary=True)
    if directory.exists() and any(directory.iterdir()):
        raise DrillError(f"the backup directory {directory} is not empty")
    directory.mkdir(parents=True, exist_ok=True)
    return Backup(directory, temporary=False)


def default_target(source: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d_%H%M%S")
    suffix = f"_drill_{stamp}"
    return source[:MAX_IDENTIFIER - len(suffix)] + suffix


@dataclass
class Capture:
    """What the backup phase learned about the source at the snapshot."""

    snapshot_id: str = ""
    taken_at: dt.datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    copied: dict[str, CopiedFile] = field(default_factory=dict)
    load_ids: list[int] = field(default_factory=list)
    load_in_snapshot: set[int] = field(default_factory=set)
    load_during_dump: int = 0


def back_up(source: Database, media_root: Path, backup: Backup, load: WriteLoad | None,
            report: Report) -> Capture:
    """Copy the media, export a snapshot, dump it while counting rows in it, copy again."""
    capture = Capture()
    with report.timer("media pass 1"):
        first = copy_media(media_root, backup.media, capture.copied)
    snapshot, dump = export_snapshot(source), None
    try:
        capture.snapshot_id, capture.taken_at = snapshot.id, snapshot.taken_at
        if load is not None:
            # Two more commits: the second one began after the export, so it is certainly
            # not in the snapshot, and a dump that ignored the snapshot would contain it.
            load.wait_for(load.committed() + 2)
        dump = start_dump(source, snapshot, backup.dump)
        started_with = load.committed() if load is not None else 0
        watcher = watch(dump, report, then=load.halt if load is not None else None)
        with report.timer("row counts"):
            capture.counts = table_counts(snapshot.conn)
        with report.timer("media pass 2"):
            second = copy_media(media_root, backup.media, capture.copied)
        watcher.join()
        if dump.returncode != 0:
            log = backup.dump.with_name("pg_dump.log").read_text(errors="replace").strip()
            raise DrillError(f"pg_dump failed ({dump.returncode}): {log}")
        if load is not None:
            capture.load_ids = load.stop()
            capture.load_during_dump = len(capture.load_ids) - started_with
            capture.load_in_snapshot = present_ids(snapshot.conn, feedback_table(),
                                                   capture.load_ids)
    finally:
        if dump is not None and dump.poll() is None:  # the drill failed under it
            dump.terminate()
            dump.wait()
        snapshot.conn.close()
    report.say(f"snapshot {capture.snapshot_id} at {capture.taken_at.isoformat()}")
    report.say(f"  dump     {backup.dump.stat().st_size} bytes in {report.timings['dump']:.2f} s")
    report.say(f"  media    {first} files copied before the snapshot, {second} new or changed "
               f"after it; {len(capture.copied)} in the copy")
    return capture


def watch(process: subprocess.Popen, report: Report, *,
          then: Callable[[], None] | None) -> threading.Thread:
    """Time ``process`` (the dump) and call ``then`` as soon as it exits, while the
    caller works on."""
    started = time.monotonic()

    def wait() -> None:
        process.wait()
        report.timings["dump"] = round(time.monotonic() - started, 3)
        if then is not None:
            then()

    watcher = threading.Thread(target=wait, name="drill-dump-watch", daemon=True)
    watcher.start()
    return watcher


def feedback_table() -> str:
    from feedback.models import Feedback

    return Feedback._meta.db_table


def write_manifest(source: Database, capture: Capture, backup: Backup) -> dict:
    manifest = {
        "source": source.name,
        "snapshot": capture.snapshot_id,
        "snapshot_time": capture.taken_at.isoformat() if capture.taken_at else None,
        "tables": capture.counts,
        "files": {name: {"size": f.size, "sha256": f.sha256}
                  for name, f in sorted(capture.copied.items())},
    }
    backup.manifest.write_text(json.dumps(manifest, indent=1, ensure_ascii=False),
                               encoding="utf-8")
    return manifest


def check_load(target: Database, capture: Capture, report: Report) -> None:
    """The load's rows are in the restore exactly when the snapshot saw them."""
    with closing(target.connect()) as conn:
        restored = present_ids(conn, feedback_table(), capture.load_ids)
    committed, seen = len(capture.load_ids), len(capture.load_in_snapshot)
    report.facts["load"] = {"committed": committed, "in_snapshot": seen,
                            "after_snapshot": committed - seen,
                            "during_dump": capture.load_during_dump}
    if restored != capture.load_in_snapshot:
        report.problem(f"the restore holds {len(restored)} of the load's rows, the snapshot "
                       f"held {seen}")
    report.say(f"  load     {committed} feedback entries committed while the drill ran "
               f"({capture.load_during_dump} during the dump): {seen} in the snapshot, "
               f"{committed - seen} after it; the restore holds {len(restored)}")


def start_load(args: argparse.Namespace) -> WriteLoad | None:
    if args.no_load:
        return None
    from django.db import connections

    organization, actor = load_actor()
    connections.close_all()
    load = WriteLoad(organization, actor, args.load_interval)
    load.start()
    load.wait_for(1)
    return load


def run_drill(args: argparse.Namespace, report: Report) -> None:
    from django.conf import settings

    source = Database.parse(args.source)
    target = source.renamed(args.target or default_target(source.name))
    if target.name == source.name:
        raise DrillError("the restore target must not be the source database")
    if database_exists(source, target.name):
        raise DrillError(f"the database {target.name} already exists; the drill restores "
                         "only into a new one")
    media_root = Path(args.media_root or settings.MEDIA_ROOT)
    backup = prepare_backup(args.backup_dir)
    report.facts.update(source=source.name, target=target.name, media_root=str(media_root),
                        backup_dir=str(backup.directory))
    report.say(f"backup drill: {source.libpq_url()} -> new database {target.name}")
    try:
        load = start_load(args)
        try:
            capture = back_up(source, media_root, backup, load, report)
        finally:
            if load is not None and load.is_alive():
                load.stop()
    except BaseException:
        if backup.temporary:
            shutil.rmtree(backup.directory, ignore_errors=True)
        raise
    manifest = write_manifest(source, capture, backup)
    report.facts.update(snapshot=capture.snapshot_id, snapshot_time=capture.taken_at,
                        dump_bytes=backup.dump.stat().st_size)
    restore_and_check(source, target, backup, manifest, capture, report, keep=args.keep)


def restore_and_check(source: Database, target: Database, backup: Backup, manifest: dict,
                      capture: Capture, report: Report, *, keep: bool) -> None:
    """Restore into the new database, check it, and drop it unless ``keep``."""
    created = False
    try:
        with report.timer("restore"):
            create_database(source, target)
            created = True
            restore(target, backup.dump)
        report.say(f"  restore  into {target.name} in {report.timings['restore']:.2f} s")
        if capture.load_ids:
            check_load(target, capture, report)
        verify(target, backup.media, manifest, report)
    finally:
        report.facts["kept"] = keep
        if keep:
            report.say(f"kept: database {target.name}, backup {backup.directory}")
        else:
            if created:
                with report.timer("drop"):
                    drop_database(source, target)
            if backup.temporary:
                shutil.rmtree(backup.directory, ignore_errors=True)


def run_verify_only(args: argparse.Namespace, report: Report) -> None:
    if args.media is None:
        raise DrillError("--verify-only needs --media, the restored media tree")
    db = Database.parse(args.source).renamed(args.verify_only)
    manifest = None
    if args.manifest is not None:
        manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    report.facts.update(target=db.name, media=str(args.media),
                        manifest=str(args.manifest) if args.manifest else None)
    verify(db, args.media, manifest, report)


# --- command line ----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="backup_drill.py", description=__doc__.split("\n\n")[0],
        epilog="The write load records offline feedback entries named 备份演练 in the source: "
               "run the full drill against a staging copy, or pass --no-load.")
    parser.add_argument("--source", default=os.environ.get("DATABASE_URL", ""),
                        help="PostgreSQL URL of the portal database (default: $DATABASE_URL)")
    parser.add_argument("--media-root", type=Path,
                        help="the portal's MEDIA_ROOT (default: the portal's setting, "
                             "$MEDIA_ROOT or var/media)")
    parser.add_argument("--target",
                        help="new database to restore into, on the source's server "
                             "(default: <source>_drill_<UTC timestamp>); must not exist")
    parser.add_argument("--backup-dir", type=Path,
                        help="empty directory for portal.dump, media/ and manifest.json "
                             "(default: a temporary one, removed unless --keep)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the restored database (and a temporary backup directory)")
    parser.add_argument("--no-load", action="store_true",
                        help="do not write to the source while dumping")
    parser.add_argument("--load-interval", type=float, default=0.01, metavar="SECONDS",
                        help="pause between two writes of the load (default: 0.01)")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write the report to FILE as JSON")
    parser.add_argument("--verify-only", metavar="DBNAME",
                        help="only check the restored database DBNAME (on the source's "
                             "server) against --media and, if given, --manifest")
    parser.add_argument("--media", type=Path, help="with --verify-only: the restored media")
    parser.add_argument("--manifest", type=Path,
                        help="with --verify-only: the backup's manifest.json, to compare row "
                             "counts and file digests")
    return parser.parse_args(argv)


def setup_django(source: str) -> None:
    if not source:
        raise DrillError("no source database: pass --source or set DATABASE_URL")
    os.environ["DATABASE_URL"] = source
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = Report("verify-only" if args.verify_only else "drill")
    started = time.monotonic()
    try:
        with report.timer("startup"):
            setup_django(args.source)
        if args.verify_only:
            run_verify_only(args, report)
        else:
            run_drill(args, report)
    except DrillError as error:
        print(f"drill aborted: {error}", file=sys.stderr, flush=True)
        return 2
    report.timings["total"] = round(time.monotonic() - started, 3)
    return report.finish(args.json)


if __name__ == "__main__":
    sys.exit(main())
