"""Settings of the disclosure portal, read from the environment with working defaults.

The defaults run the portal on one machine with nothing else installed: a SQLite file and
Celery on kombu's filesystem transport. Production sets ``DATABASE_URL`` (PostgreSQL),
``CELERY_BROKER_URL`` (Redis), ``SECRET_KEY``, ``DEBUG=0`` and ``ALLOWED_HOSTS``.
"""

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


# `make run` sets PORTAL_DEMO=1: the demo is served as production serves the portal (DEBUG
# off, so a visitor sees the portal's own 404 and 500 pages, never Django's technical ones),
# but on this machine alone: over plain HTTP on the loopback address, with a key of its own
# (made at random, kept in VAR_DIR), and
# static files served by whitenoise straight from their sources (no collectstatic).
DEMO = env_bool("PORTAL_DEMO", False)
# `make bench` serves its floor, a trivial page (a 20-row list, no query), beside the
# portal's pages from the same workers: /bench/trivial/ exists only when this is on.
BENCHMARK_PAGE = env_bool("PORTAL_BENCHMARK_PAGE", False)
DEBUG = env_bool("DEBUG", not DEMO)


def demo_key() -> str:
    """Return the demo's own secret key: made at random on its first start and kept in
    ``VAR_DIR``, so that its processes (web, worker, beat) and its restarts share it. Never
    a key written in the source: a demo started by mistake where people reach it must not
    sign with a key everyone knows."""
    path = VAR_DIR / "demo-secret-key"
    if not path.exists():
        fresh = VAR_DIR / f".demo-secret-key.{os.getpid()}"
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(64))
        try:
            os.link(fresh, path)  # the first process to start wins; the others read its key
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    return path.read_text().strip()


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
if DEMO and not set(ALLOWED_HOSTS) <= {"127.0.0.1", "localhost", "[::1]", "testserver"}:
    raise RuntimeError("PORTAL_DEMO is for `make run` on this machine: ALLOWED_HOSTS may name "
                       "only loopback addresses.")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEMO:
        SECRET_KEY = demo_key()
    elif DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105
    else:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "simple_history",
    "axes",
    "portal",
    "catalog",
    "disclosure",
    "feedback",
    "archive",
]

MIDDLEWARE = [
    # First: whether the request came over HTTPS, as only a trusted proxy may say.
    "portal.middleware.TrustedProxyMiddleware",
    # Signed-in pages and downloads are not kept by browsers or shared caches.
    "portal.middleware.PrivateCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out a session left idle for SESSION_IDLE_MINUTES (needs the messages above).
    "portal.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Page queries are short: JIT compilation of a plan with a high estimated cost takes
    # longer than the query itself (measured: over a second on the item list).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo's SQLite takes concurrent posts: every transaction takes the write lock when
    # it begins (a read-then-write transaction upgraded later fails at once with "database
    # is locked", whatever the timeout), waits up to 20 s for it, and readers do not block
    # the writer (write-ahead log).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE", "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the rate-limit counters (portal.ratelimit). Processes that serve requests
# side by side (gunicorn workers, several hosts) must share it: production sets CACHE_URL to
# a Redis database of its own, e.g. redis://redis:6379/1, not the broker's database (a cache
# clear empties the whole database). Without CACHE_URL each process counts for itself.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "portal.caching.RedisCache",  # Django's, reusing its clients
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "portal",
            # A cache that does not answer must not hold up a page; the limits give way.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Sessions are read from the shared cache and written through to the database (one
    # query fewer on every signed-in page). Not with a cache of each process's own: a
    # logout in one process would not end the session another process still holds.
    SESSION_ENGINE = "portal.sessions"
elif CACHE_URL in ("", "locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise RuntimeError("CACHE_URL must be a redis://, rediss:// or unix:// URL, or locmem://.")

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # Refuses every login from an address, or from anybody, past the failed-login limits
    # (LOGIN_FAILURES_PER_ADDRESS, LOGIN_FAILURES_GLOBAL below; portal.ratelimit).
    "portal.ratelimit.LoginLimitBackend",
    # First: refuses every login of a locked-out username and address (django-axes).
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend, the account of each signed-in request read from the cache.
    "portal.backends.CachedModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workplace"  # the to-do page, the member's page, ... (portal.todo)
LOGOUT_REDIRECT_URL = "home"

# guardian: anonymous users get no object permissions; visibility handles the public.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Login throttling (django-axes), for the portal's and the admin's login alike: after
# AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused
# with the 429 page registration/locked_out.html until AXES_COOLOFF_MINUTES have passed since
# its last attempt. Other usernames from the address and the username from other addresses
# go on. A successful login clears the count. Attempts are rows in the database, so every
# process sees them; the admin lists them under "Axes".
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.ratelimit.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# Whose address a request is, for axes and the rate limits alike: REMOTE_ADDR, unless the
# connection comes from one of TRUSTED_PROXIES (addresses or CIDR ranges of the portal's own
# reverse proxies, e.g. the nginx of docker-compose.yml); only then is X-Forwarded-For read
# (its right-most entry that is not a trusted proxy) and X-Forwarded-Proto believed
# (portal.middleware.TrustedProxyMiddleware). A client that reaches gunicorn directly, or
# writes the headers itself, cannot choose its address or claim HTTPS.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
# No longer read; the system check portal.W002 says so where a deployment still sets it.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "portal.ratelimit.client_ip"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Attachments live outside anything served statically; only a view hands them out.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or DEMO
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# The demo's whitenoise finds static files where they are (``make run`` runs no collectstatic).
WHITENOISE_USE_FINDERS = DEMO

# Lists count at most this many rows for their page navigation (see portal/pagination.py).
PAGINATION_COUNT_CAP = int(os.environ.get("PAGINATION_COUNT_CAP", "2000"))

ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
# Limits on what a file expands to when opened: image pixels (read from the header), and
# for Office packages (portal/ooxml.py) the number of parts, the bytes they really inflate
# to (measured while inflating), and that size as a multiple of the file (above 1 MB).
ATTACHMENT_MAX_PIXELS = int(os.environ.get("ATTACHMENT_MAX_PIXELS", str(50_000_000)))
ATTACHMENT_MAX_UNZIPPED_BYTES = int(
    os.environ.get("ATTACHMENT_MAX_UNZIPPED_BYTES", str(100 * 1024 * 1024))
)
ATTACHMENT_MAX_ZIP_ENTRIES = int(os.environ.get("ATTACHMENT_MAX_ZIP_ENTRIES", "2000"))
ATTACHMENT_MAX_ZIP_RATIO = int(os.environ.get("ATTACHMENT_MAX_ZIP_RATIO", "200"))
# How deep the organization tree may grow (the stored path holds at most 36 levels).
ORGANIZATION_MAX_LEVELS = int(os.environ.get("ORGANIZATION_MAX_LEVELS", "30"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# Celery: Redis in production, kombu's filesystem transport when nothing is configured.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", os.environ.get("REDIS_URL", "filesystem://"))
if CELERY_BROKER_URL.startswith("filesystem"):
    for folder in ("out", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {
        # Unacknowledged tasks of a killed worker come back after this many seconds.
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
        # A web request queueing a task gives up quickly when Redis is down; the outbox
        # and the next scheduled run catch up.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
        "socket_connect_timeout": 2,
    }
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Publishing must not hang when the broker is down: fail fast, the outbox catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False

SESSION_COOKIE_HTTPONLY = True
# A session ends after SESSION_IDLE_MINUTES without a request (portal.middleware
# .IdleSessionMiddleware: signed out, sent to the login page with a message), and at the
# latest SESSION_MAX_DAYS after the login.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
SESSION_COOKIE_AGE = 86400 * int(os.environ.get("SESSION_MAX_DAYS", "14"))
# The CSRF failure page in the portal's look (Django's own has inline styles the CSP blocks).
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
# Password-reset links stay valid this long.
PASSWORD_RESET_TIMEOUT = 60 * int(os.environ.get("PASSWORD_RESET_MINUTES", "60"))
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    # The demo (PORTAL_DEMO) answers over plain HTTP on 127.0.0.1: no HTTPS-only cookies,
    # redirect or HSTS there, unless said otherwise.
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEMO)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEMO)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEMO)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS",
                                             "0" if DEMO else "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # No SECURE_PROXY_SSL_HEADER: Django would believe X-Forwarded-Proto from anybody.
    # portal.middleware.TrustedProxyMiddleware believes it from TRUSTED_PROXIES only.

# Content-Security-Policy (django-csp): everything from the portal's own origin, no inline
# script or style anywhere (bars are SVG, the print button is static/js/print.js), no data:
# images (the notice board's QR codes are inline SVG). CSP_REPORT_ONLY=1 sends the policy
# as report-only instead, so that an operator can watch the browser's console before
# enforcing a change; CSP_REPORT_URI names a collector for the violation reports.
_CSP_DIRECTIVES: dict[str, list[str] | str] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if os.environ.get("CSP_REPORT_URI"):
    _CSP_DIRECTIVES["report-uri"] = os.environ["CSP_REPORT_URI"]
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
CONTENT_SECURITY_POLICY = None if CSP_REPORT_ONLY else {"DIRECTIVES": _CSP_DIRECTIVES}
CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES} if CSP_REPORT_ONLY else None

# Reminders: "due soon" this many days before the due date; escalation to the parent
# organization's reviewers and the supervisors this many days after it.
REMINDER_DAYS_BEFORE = int(os.environ.get("REMINDER_DAYS_BEFORE", "3"))
ESCALATION_DELAY_DAYS = int(os.environ.get("ESCALATION_DELAY_DAYS", "5"))
# Feedback: reply within this many working days; anonymous submissions per address and hour.
FEEDBACK_REPLY_DAYS = int(os.environ.get("FEEDBACK_REPLY_DAYS", "10"))
FEEDBACK_RATE_LIMIT_PER_HOUR = int(os.environ.get("FEEDBACK_RATE_LIMIT_PER_HOUR", "5"))
# What anonymous visitors may do per address: scope -> (times, within so many seconds).
# Beyond it they get the 429 page (portal.ratelimit). Tracking-code lookups count misses only.
RATE_LIMITS = {
    "feedback.new": (FEEDBACK_RATE_LIMIT_PER_HOUR, 3600),
    "feedback.track": (int(os.environ.get("FEEDBACK_TRACK_MISSES_PER_HOUR", "20")), 3600),
    # Refused evaluation codes (a used or unknown one) and registrations per address.
    "evaluation.code": (int(os.environ.get("EVALUATION_CODE_MISSES_PER_HOUR", "10")), 3600),
    "accounts.register": (int(os.environ.get("REGISTRATIONS_PER_HOUR", "5")), 3600),
    # Failed logins, on top of axes's lockout of one username from one address: from one
    # address whatever the usernames (password spraying), and of the whole portal. Past a
    # limit every login (right or wrong) from there, or from anybody, gets the lockout page
    # until the window ends. 0 switches a limit off. An office behind one NAT address shares
    # the per-address count; the global ceiling lets an attacker keep everybody out while it
    # lasts, so it is set well above what the staff mistype in a quarter of an hour.
    "login.address": (int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20")),
                      60 * int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))),
    "login.global": (int(os.environ.get("LOGIN_FAILURES_GLOBAL", "300")),
                     60 * int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))),
    # Password-reset requests: per address, and per e-mail address (beyond it no more mail
    # is sent, and the page says the same as always).
    "accounts.password_reset": (int(os.environ.get("PASSWORD_RESETS_PER_HOUR", "5")), 3600),
    "accounts.password_reset_email": (
        int(os.environ.get("PASSWORD_RESETS_PER_EMAIL_PER_HOUR", "3")), 3600),
}
# On-request disclosure: answer within this many working days.
REQUEST_ANSWER_DAYS = int(os.environ.get("REQUEST_ANSWER_DAYS", "15"))
# E-mails whose task has not sent them after this many seconds are sent by the sweep.
OUTBOX_GRACE_SECONDS = int(os.environ.get("OUTBOX_GRACE_SECONDS", "60"))
# Absolute links in e-mails (notifications, password resets): never the request's Host.
# `make run PORT=8010` sets it to http://127.0.0.1:8010 unless it is set already.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# Shown in the footer and the page title.
PORTAL_NAME = _("Party Affairs Disclosure Portal")
PAGE_SIZE = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The static beat schedule. BEAT_INTERVAL_SECONDS (tests, demos) runs every job that often.
_BEAT_OVERRIDE = os.environ.get("BEAT_INTERVAL_SECONDS")


def _every(seconds: float) -> float:
    return float(_BEAT_OVERRIDE) if _BEAT_OVERRIDE else seconds


CELERY_BEAT_SCHEDULE = {
    "lapse-filings": {
        "task": "disclosure.tasks.lapse_filings",
        "schedule": _every(0) if _BEAT_OVERRIDE else crontab(hour=0, minute=30),
    },
    "generate-obligations": {
        "task": "disclosure.tasks.generate_obligations",
        "schedule": _every(0) if _BEAT_OVERRIDE else crontab(hour=1, minute=0),
    },
    "remind-deadlines": {
        "task": "portal.tasks.send_reminders",
        "schedule": _every(0) if _BEAT_OVERRIDE else crontab(hour=8, minute=30),
    },
    "release-planned-items": {
        "task": "disclosure.tasks.release_planned_items",
        "schedule": _every(300.0),
    },
    "expire-short-term-items": {
        "task": "disclosure.tasks.expire_short_term_items",
        "schedule": _every(300.0),
    },
    "resume-deferred-requests": {
        "task": "disclosure.tasks.resume_deferred_requests",
        "schedule": _every(0) if _BEAT_OVERRIDE else crontab(hour=0, minute=30),
    },
    "archive-due-items": {
        "task": "archive.tasks.archive_due_items",
        "schedule": _every(0) if _BEAT_OVERRIDE else crontab(hour=2, minute=0),
    },
    "load-holidays": {
        "task": "portal.tasks.load_holidays",
        "schedule": _every(0) if _BEAT_OVERRIDE else crontab(hour=0, minute=15),
    },
    "send-pending-emails": {
        "task": "portal.tasks.send_pending_emails",
        "schedule": _every(120.0),
    },
    "sync-membership-groups": {
        "task": "portal.tasks.sync_membership_groups",
        "schedule": _every(3600.0 * 6),
    },
}
