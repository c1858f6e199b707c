# The two commands: `make run` (portal + worker + beat with demo data on the defaults)
# and `make test` (the whole suite on the machine's PostgreSQL and Redis).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core for the accessibility crawl, at the version package-lock.json pins.
NODE_STAMP := node_modules/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The cache of production in the tests: Redis, in a database of its own (each test empties
# it), so that the page cache and the cached rights are tested as they run.
TEST_CACHE_URL ?= redis://127.0.0.1:6379/10
# Test processes side by side (pytest-xdist): one per core by default, at most three (set no
# more: their cache databases are TEST_CACHE_URL's number plus 0-2, the Celery tests' broker
# uses 13); each file's tests run in one process, each process on a test database of its own.
TEST_PROCESSES ?= auto

.PHONY: run test lint typecheck migrate demo messages clean bench

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# `make run PORT=8010` serves on another port; links in e-mails follow it unless
# PORTAL_BASE_URL is set. PORTAL_DEMO=1: DEBUG off, as visitors of a real portal see it.
PORT ?= 8000
PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
RUN_ENV := PORTAL_DEMO=1 PORTAL_BASE_URL=$(PORTAL_BASE_URL)

run: demo
	@echo "Portal at http://127.0.0.1:$(PORT)/  (demo password: demo-pass-2026)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(RUN_ENV) $(BIN)/celery -A portal worker --loglevel=INFO --concurrency=1 & \
	$(RUN_ENV) $(BIN)/celery -A portal beat --loglevel=INFO --schedule var/celerybeat-schedule & \
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check portal catalog disclosure feedback archive tests || true

typecheck: $(STAMP)
	$(BIN)/mypy portal catalog disclosure feedback archive

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy portal catalog disclosure feedback archive
	DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_REDIS_URL) \
	  CACHE_URL=$(TEST_CACHE_URL) DB_CONN_MAX_AGE=0 $(BIN)/pytest -q -n $(TEST_PROCESSES) --maxprocesses 3 \
	  --dist loadfile --durations=15

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=test-artifacts
	$(BIN)/python manage.py compilemessages --ignore=.venv

# Backup and restore drill against the local PostgreSQL database: dump under write load,
# restore into a new database, compare rows and file digests, drop it again.
# `make backup-drill DRILL_ARGS="--keep --no-load"` passes options through.
DRILL_DATABASE_URL ?= $(TEST_DATABASE_URL)
.PHONY: backup-drill
backup-drill: $(STAMP)
	DATABASE_URL=$(DRILL_DATABASE_URL) $(BIN)/python scripts/backup_drill.py $(DRILL_ARGS)

clean:
	rm -rf var

# The load benchmark: seeds portal_bench (BENCH_ITEMS, default 1,000,000), runs gunicorn on
# PostgreSQL and Redis, loads it with wrk and 50 users, writes BENCHMARKS.md.
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)
