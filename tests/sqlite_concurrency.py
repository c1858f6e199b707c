"""Run concurrent posts against a SQLite file with the portal's own settings (called by
tests/test_trust_rest.py in a subprocess: the test database of the suite is PostgreSQL).

Usage: python tests/sqlite_concurrency.py /path/to/file.sqlite3
Prints one line of JSON: how many posts were taken and the errors of those refused."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

THREADS, EACH = 8, 5


def main(path: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.apps import apps
    from django.db import connection, connections

    with connection.schema_editor() as editor:  # the tables, without the migrations' time
        for model in apps.get_models():
            if model._meta.managed and not model._meta.proxy:
                editor.create_model(model)
    from feedback import services
    from feedback.models import Feedback
    from portal.models import Organization

    org = Organization.objects.create(code="S", name="演示党支部", level="branch",
                                      kind="community")
    connections.close_all()
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def post(n: int) -> None:
        start.wait()
        try:
            for k in range(EACH):
                try:
                    services.feedback_submit(organization=org, item=None, author=None,
                                             body=f"第{n}-{k}条意见：公开栏内容需要更新。",
                                             address=f"10.0.{n}.{k}")
                except Exception as error:  # noqa: BLE001 - reported to the test
                    errors.append(f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"taken": Feedback.objects.count(), "errors": errors,
                      "options": {k: str(v) for k, v in connection.settings_dict.get(
                          "OPTIONS", {}).items()}}))


if __name__ == "__main__":
    main(sys.argv[1])
