"""The backup drill: a dump taken under write load restores whole, and a restore whose
files or rows were tampered with is reported."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from psycopg2 import sql

from archive.models import ArchivedFile
from archive.services import archive_item
from disclosure.models import Attachment, DisclosureItem, State
from feedback.models import Feedback

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = Path(settings.BASE_DIR) / "scripts" / "backup_drill.py"


def database_url(name: str) -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"])
    return f"postgres://{user}@{db['HOST']}:{db['PORT'] or 5432}/{quote(name)}"


def run(*args: str, media: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MEDIA_ROOT": str(media), "DB_CONN_MAX_AGE": "0"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--source", database_url(connection.settings_dict["NAME"]),
         *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def server_query(query, params=()) -> list[tuple]:
    with closing(psycopg2.connect(database_url("postgres"))) as conn, conn.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


@pytest.fixture
def target():
    """A fresh name for the restored copy, dropped again whatever the test does."""
    if connection.vendor != "postgresql" or shutil.which("pg_dump") is None:
        pytest.skip("the drill needs PostgreSQL and its client tools")
    base = connection.settings_dict["NAME"].removeprefix("test_")
    name = f"{base}_drill_{uuid.uuid4().hex[:8]}"
    yield name
    with closing(psycopg2.connect(database_url("postgres"))) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def portal_data(world):
    """Three archived items and two items under review, each with an attachment."""
    for i in range(3):
        item = world.item(State.INTERNAL, title=f"归档事项{i}", attachment=f"归档附件{i}".encode())
        archive_item(item_id=item.pk, actor=world.users["secretary"])
    for i in range(2):
        world.item(State.SUBMITTED, title=f"待审事项{i}", attachment=f"待审附件{i}".encode())
    assert (Attachment.objects.count(), ArchivedFile.objects.count()) == (5, 3)
    return world


def test_drill_restores_a_consistent_copy_while_the_load_writes(portal_data, target, tmp_path):
    items, feedback = DisclosureItem.objects.count(), Feedback.objects.count()

    done = run("--target", target, "--json", str(tmp_path / "report.json"),
               media=settings.MEDIA_ROOT)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "RESULT: PASS" in done.stdout
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["result"] == "pass" and report["problems"] == []
    assert report["files_checked"] == {"attachment": 5, "archived file": 3}
    assert report["manifest_files_checked"] >= 8
    assert report["tables_checked"] > 30 and report["rows_checked"] > 50
    assert report["verify_archive"]["output"][-1] == "archive intact: 3 records verified"
    # The load wrote before the snapshot and during the dump; only the first part was
    # restored, and the row counts still matched: the dump saw the drill's snapshot.
    load = report["load"]
    assert load["in_snapshot"] >= 1 and load["after_snapshot"] >= 1 and load["during_dump"] >= 1
    # The source only gained the load's rows; the restored copy is gone.
    assert DisclosureItem.objects.count() == items
    assert Feedback.objects.count() == feedback + load["committed"]
    assert report["kept"] is False
    assert server_query("SELECT 1 FROM pg_database WHERE datname = %s", [target]) == []


def test_verify_only_reports_an_altered_file_and_a_deleted_row(portal_data, target,
                                                               tmp_path):
    backup = tmp_path / "backup"
    done = run("--target", target, "--keep", "--backup-dir", str(backup),
               media=settings.MEDIA_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    media, manifest = backup / "media", backup / "manifest.json"
    verify = ("--verify-only", target, "--media", str(media))
    untouched = run(*verify, "--manifest", str(manifest), media=settings.MEDIA_ROOT)
    assert untouched.returncode == 0, untouched.stdout + untouched.stderr

    attachment = Attachment.objects.filter(item__state=State.SUBMITTED).first()
    archived = ArchivedFile.objects.order_by("pk").first()
    for name in (attachment.file.name, archived.file.name):
        path = media / name
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        path.write_bytes(b"altered after the backup")
    altered = run(*verify, media=settings.MEDIA_ROOT)
    assert altered.returncode == 1
    assert f"attachment {attachment.pk}: file '{attachment.file.name}' has digest" in altered.stdout
    assert f"archived file {archived.pk}: file '{archived.file.name}'" in altered.stdout
    assert "verify_archive failed on the restore" in altered.stdout

    shutil.copyfile(Path(settings.MEDIA_ROOT) / attachment.file.name, media / attachment.file.name)
    shutil.copyfile(Path(settings.MEDIA_ROOT) / archived.file.name, media / archived.file.name)
    restored = closing(psycopg2.connect(database_url(target)))
    with restored as conn, conn, conn.cursor() as cursor:  # commits, then closes
        cursor.execute("DELETE FROM feedback_feedback WHERE id = (SELECT min(id) FROM "
                       "feedback_feedback) RETURNING id")
        assert cursor.fetchone() is not None
    expected = json.loads(manifest.read_text(encoding="utf-8"))["tables"]
    rows = expected["public.feedback_feedback"]
    deleted = run(*verify, "--manifest", str(manifest), media=settings.MEDIA_ROOT)
    assert deleted.returncode == 1
    assert (f"table public.feedback_feedback has {rows - 1} rows, the snapshot had {rows}"
            in deleted.stdout)
    assert "RESULT: FAIL, 1 mismatch(es)" in deleted.stdout
