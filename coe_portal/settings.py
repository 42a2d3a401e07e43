"""Settings for CoE Portal, read from environment variables.

Every value has a default that runs the embedded demo (`make demo`): PostgreSQL and Redis
started from pip packages under var/. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY
and the ENTRA_* / POWERPLATFORM_* variables (see .env.example).
"""

import os
from pathlib import Path
from urllib.parse import quote

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("COE_VAR_DIR", BASE_DIR / "var"))


def envstr(name, default=""):
    """Return a string setting; `<NAME>_FILE` names a file that holds a secret."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name) or default


def envbool(name, default):
    value = os.getenv(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name, default):
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name, default):
    value = os.getenv(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


# Core
# No default key: a public one signs sessions and answer links anyone can forge. The embedded demo
# and test runs generate one under var/ (coe_portal/embedded); anything else must set it.
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set: set SECRET_KEY or SECRET_KEY_FILE to a long random value "
                               "(`make demo` and `python -m coe_portal.embedded` keep one under var/).")
# Keys retired by a rotation: what they signed (sessions, answer links) stays valid until dropped from here.
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS", [])
# The key the retired demo default was; check --deploy refuses it (coe_portal.E001).
PUBLIC_DEMO_SECRET_KEY = "embedded-demo-only-not-secret-000000000000000000000000000000000"
# Set by coe_portal.embedded (the demo and test runs on plain http); production defaults are secure.
EMBEDDED = envbool("COE_EMBEDDED", False)
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "csp",
    "coe_portal.core",
    "coe_portal.dashboards",
    "inventory",
    "migrations_app",
    "comms",
    "dlp",
    "usage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "coe_portal.core.middleware.AdminWriteAuditMiddleware",
]

ROOT_URLCONF = "coe_portal.urls"
WSGI_APPLICATION = "coe_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coe_portal.core.context_processors.portal",
            ],
        },
    },
]

# Database and Redis
# Without DATABASE_URL the portal uses the embedded PostgreSQL's socket under var/pgdata,
# the one `make demo` starts.
EMBEDDED_PG_SOCKET_DIR = VAR_DIR / "pgdata"
EMBEDDED_DATABASE_URL = f"postgres://postgres@{quote(str(EMBEDDED_PG_SOCKET_DIR), safe='')}/coe_portal"
DATABASE_URL = envstr("DATABASE_URL", EMBEDDED_DATABASE_URL)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMBEDDED_REDIS_PORT = envint("COE_EMBEDDED_REDIS_PORT", 6390)
REDIS_URL = envstr("REDIS_URL", f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Celery
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = envint("CELERY_WORKER_PREFETCH_MULTIPLIER", 4)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")


def cron(expression):
    """A crontab from a five-field cron expression ("minute hour day month weekday")."""
    minute, hour, day_of_month, month_of_year, day_of_week = expression.split()
    return crontab(minute, hour, day_of_week, day_of_month, month_of_year)

# Authentication and roles
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LOCAL_LOGIN_ENABLED = envbool("LOCAL_LOGIN_ENABLED", True)
# Sign-in throttling (core.services.signin): failures allowed per account and per address in a window.
SIGNIN_MAX_FAILURES_PER_ACCOUNT = envint("SIGNIN_MAX_FAILURES_PER_ACCOUNT", 5)
SIGNIN_MAX_FAILURES_PER_ADDRESS = envint("SIGNIN_MAX_FAILURES_PER_ADDRESS", 30)
SIGNIN_WINDOW_SECONDS = envint("SIGNIN_WINDOW_SECONDS", 900)

# Microsoft Entra ID: the app registration that signs users in (auth-code flow) and calls
# the admin APIs (client credentials). ENTRA_AUTHORITY_HOST lets tests point msal at a
# local HTTPS stand-in; ENTRA_CA_BUNDLE is the CA that signs that stand-in's certificate.
ENTRA_TENANT_ID = envstr("ENTRA_TENANT_ID")
ENTRA_CLIENT_ID = envstr("ENTRA_CLIENT_ID")
ENTRA_CLIENT_SECRET = envstr("ENTRA_CLIENT_SECRET")
ENTRA_CLIENT_CERTIFICATE_PATH = envstr("ENTRA_CLIENT_CERTIFICATE_PATH")
ENTRA_CLIENT_CERTIFICATE_THUMBPRINT = envstr("ENTRA_CLIENT_CERTIFICATE_THUMBPRINT")
ENTRA_AUTHORITY_HOST = envstr("ENTRA_AUTHORITY_HOST", "https://login.microsoftonline.com").rstrip("/")
ENTRA_CA_BUNDLE = envstr("ENTRA_CA_BUNDLE")
# App roles in the sign-in token that map to portal roles; a user with none is a maker.
ENTRA_ADMIN_ROLE = envstr("ENTRA_ADMIN_ROLE", "CoE.Admin")
ENTRA_MANAGER_ROLE = envstr("ENTRA_MANAGER_ROLE", "CoE.Manager")

# Power Platform admin APIs (production hosts; the fake tenant overrides them)
POWERPLATFORM_BAP_URL = envstr("POWERPLATFORM_BAP_URL", "https://api.bap.microsoft.com")
POWERPLATFORM_POWERAPPS_URL = envstr("POWERPLATFORM_POWERAPPS_URL", "https://api.powerapps.com")
POWERPLATFORM_FLOW_URL = envstr("POWERPLATFORM_FLOW_URL", "https://api.flow.microsoft.com")
POWERPLATFORM_GRAPH_URL = envstr("POWERPLATFORM_GRAPH_URL", "https://graph.microsoft.com")
POWERPLATFORM_CA_BUNDLE = envstr("POWERPLATFORM_CA_BUNDLE")
# Usage sources (usage app): the Office 365 Management Activity API (app launches from the audit
# feed; GCC: https://manage-gcc.office.com, GCC High: https://manage.office365.us) and the Power
# Platform API (Advisor; the inventory API). Their token audiences follow the host.
POWERPLATFORM_MANAGE_URL = envstr("POWERPLATFORM_MANAGE_URL", "https://manage.office.com")
POWERPLATFORM_MANAGE_SCOPE = envstr("POWERPLATFORM_MANAGE_SCOPE", "https://manage.office.com/.default")
POWERPLATFORM_API_URL = envstr("POWERPLATFORM_API_URL", "https://api.powerplatform.com")
POWERPLATFORM_API_SCOPE = envstr("POWERPLATFORM_API_SCOPE", "https://api.powerplatform.com/.default")
POWERPLATFORM_MAX_CONCURRENCY = envint("POWERPLATFORM_MAX_CONCURRENCY", 8)
POWERPLATFORM_POWERAPPS_SCOPE = envstr("POWERPLATFORM_POWERAPPS_SCOPE", "https://service.powerapps.com/.default")
# The Flow resource's identifier ends with a slash, hence the double slash (see the API notes).
POWERPLATFORM_FLOW_SCOPE = envstr("POWERPLATFORM_FLOW_SCOPE", "https://service.flow.microsoft.com//.default")
POWERPLATFORM_GRAPH_SCOPE = envstr("POWERPLATFORM_GRAPH_SCOPE", "https://graph.microsoft.com/.default")
# Dataverse org URLs come from the environments' listing; a token is sent only to an org URL
# matching this pattern (commercial cloud org hosts by default).
POWERPLATFORM_DATAVERSE_URL_PATTERN = envstr("POWERPLATFORM_DATAVERSE_URL_PATTERN",
                                             r"^https://[a-z0-9-]+\.crm[0-9]*\.dynamics\.com$")
# The request quota the client keeps to, per API: the service-protection figures Microsoft
# publishes (6,000 requests per 5 minutes). The margin widens the window a little so
# requests in flight at a window's edge are not counted twice by the service.
POWERPLATFORM_QUOTA_REQUESTS = envint("POWERPLATFORM_QUOTA_REQUESTS", 6000)
POWERPLATFORM_QUOTA_WINDOW = envint("POWERPLATFORM_QUOTA_WINDOW", 300)
POWERPLATFORM_QUOTA_MARGIN = 1.01
# Worker processes a sync's flow-detail batches may hold at once (inventory/services/sync_pump.py):
# two keep the Flow quota busy; the worker needs more processes than this for the listings
# (docker-compose and the demo run four: the work waits on the network far more than on CPU).
SYNC_DETAIL_PUMPS = envint("SYNC_DETAIL_PUMPS", 2)
# Share of each window that background calls (a sync's flow details) leave to listing pages.
POWERPLATFORM_QUOTA_RESERVE = float(os.environ.get("POWERPLATFORM_QUOTA_RESERVE", "0.03"))
# Quota slots a worker process takes from Redis per call (then hands to its threads).
POWERPLATFORM_QUOTA_BATCH = envint("POWERPLATFORM_QUOTA_BATCH", 8)
# Attempts per request on 429, 5xx, resets and truncated bodies, with jittered backoff up to the cap.
POWERPLATFORM_MAX_ATTEMPTS = envint("POWERPLATFORM_MAX_ATTEMPTS", 8)
POWERPLATFORM_BACKOFF_CAP = envint("POWERPLATFORM_BACKOFF_CAP", 30)
# Usage sync (usage app): app launches from the audit feed hourly, flow runs, agent conversations
# and Advisor daily. Usage older than the stale limit no longer counts as known ("usage unknown").
USAGE_AUDIT_CRON = envstr("USAGE_AUDIT_CRON", "10 * * * *")
USAGE_RUNS_CRON = envstr("USAGE_RUNS_CRON", "40 3 * * *")
USAGE_STALE_AFTER_HOURS = envint("USAGE_STALE_AFTER_HOURS", 48)
# How far back the flow run history answers (28 days by Microsoft's pages; unverified): the first
# read of a flow's runs makes its usage known that far back.
USAGE_RUN_RETENTION_DAYS = envint("USAGE_RUN_RETENTION_DAYS", 28)
# Content listed again before the last watermark, for content that is listed late.
USAGE_AUDIT_OVERLAP_MINUTES = envint("USAGE_AUDIT_OVERLAP_MINUTES", 65)
# How far back the audit feed lists content: 7 days (Management Activity API reference).
USAGE_AUDIT_REACH_DAYS = envint("USAGE_AUDIT_REACH_DAYS", 7)
# Inventory sync: nightly full sync, hourly incremental (cron-style, in TIME_ZONE).
SYNC_FULL_CRON = envstr("SYNC_FULL_CRON", "0 2 * * *")
SYNC_INCREMENTAL_CRON = envstr("SYNC_INCREMENTAL_CRON", "30 * * * *")
CELERY_BEAT_SCHEDULE = {
    "full inventory sync": {"task": "inventory.tasks.start_scheduled_sync", "schedule": cron(SYNC_FULL_CRON),
                            "args": ("full",)},
    "incremental inventory sync": {"task": "inventory.tasks.start_scheduled_sync",
                                   "schedule": cron(SYNC_INCREMENTAL_CRON), "args": ("incremental",)},
    "resume stalled syncs": {"task": "inventory.tasks.resume_stalled_syncs", "schedule": 60.0},
    # The dashboards' daily history; a sync also refreshes it when it finishes.
    "dashboard snapshot": {"task": "coe_portal.dashboards.tasks.take_daily_snapshot",
                           "schedule": cron(envstr("SNAPSHOT_CRON", "15 * * * *"))},
}

# Email
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "coe-portal@localhost")

# Internationalisation
LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files, served by WhiteNoise from the container itself (no CDN)
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))

# Security
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not EMBEDDED)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not EMBEDDED)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_TLS_PROXY", False) else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# django-filter: a choice filter's "no filter" entry reads "Any" (its default, "---------", names nothing)
FILTERS_EMPTY_CHOICE_LABEL = "Any"

# REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "coe_portal.core.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "coe_portal.core.api.pagination.KeysetPagination",
    # Views without filters still refuse unknown parameters (coe_portal/core/filtering.py).
    "DEFAULT_FILTER_BACKENDS": ["coe_portal.core.api.filters.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "coe_portal.core.api.schema.PortalAutoSchema",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CoE Portal API",
    "DESCRIPTION": "Inventory, DLP impact, migrations and communication of the CoE Portal. "
                   "Authenticate with `Authorization: Bearer <token>` (tokens: /api/tokens/).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/portal_table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "coe_portal.core.logging.RedactTokensFilter"},
                "one_line_403": {"()": "coe_portal.core.logging.OneLineForbiddenFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"},
                "django.request": {"filters": ["one_line_403"]}},
}

# Environment operations (migrations_app: copy environment, tenant move, portal move)
# Seconds between polls of a tenant copy operation, and how many polls before giving up
# (a copy can take up to 8 hours with audit data: 30 s x 1,200 = 10 h).
ENVOPS_POLL_SECONDS = envint("ENVOPS_POLL_SECONDS", 30)
ENVOPS_POLL_LIMIT = envint("ENVOPS_POLL_LIMIT", 1200)

# Triage (quarantine and clean-up)
CELERY_BEAT_SCHEDULE["usage: app launches"] = {"task": "usage.tasks.start_usage_sync",
                                               "schedule": cron(USAGE_AUDIT_CRON), "args": ("usage_audit",)}
CELERY_BEAT_SCHEDULE["usage: runs and conversations"] = {"task": "usage.tasks.start_usage_sync",
                                                         "schedule": cron(USAGE_RUNS_CRON), "args": ("usage_runs",)}
CELERY_BEAT_SCHEDULE["clean-up reminders and ended grace periods"] = {
    "task": "inventory.tasks.cleanup_tick", "schedule": cron(envstr("CLEANUP_CRON", "5 * * * *"))}
# Communication (comms): the send rate all workers share. Defaults are Exchange Online's
# sending limits (30 messages a minute, 10,000 recipients a day).
COMMS_BACKEND = envstr("COMMS_BACKEND", "django")  # "django" (EMAIL_BACKEND, e.g. SMTP) or "graph" (sendMail)
COMMS_SENDER = envstr("COMMS_SENDER", DEFAULT_FROM_EMAIL)  # the mailbox Graph sends as
COMMS_RATE_MESSAGES = envint("COMMS_RATE_MESSAGES", 30)
COMMS_RATE_WINDOW = envint("COMMS_RATE_WINDOW", 60)  # seconds
COMMS_DAILY_RECIPIENTS = envint("COMMS_DAILY_RECIPIENTS", 10_000)
COMMS_ANSWER_LINK_DAYS = envint("COMMS_ANSWER_LINK_DAYS", 60)
COMMS_CHUNK_SIZE = envint("COMMS_CHUNK_SIZE", 200)  # deliveries per Celery task
# Readiness (/healthz/ready): beat asks a worker to stamp a heartbeat; older than the max age is not ready.
WORKER_HEARTBEAT_SECONDS = envint("WORKER_HEARTBEAT_SECONDS", 30)
WORKER_HEARTBEAT_MAX_AGE = envint("WORKER_HEARTBEAT_MAX_AGE", 120)
CELERY_BEAT_SCHEDULE["worker heartbeat"] = {"task": "coe_portal.core.tasks.heartbeat",
                                            "schedule": float(WORKER_HEARTBEAT_SECONDS)}
CELERY_BEAT_SCHEDULE["comms: due campaigns and reminders"] = {"task": "comms.tasks.dispatch_due", "schedule": 60.0}

# REST API (issue 9): DLP and comms endpoints; enums shared by several fields get one schema name.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "DlpGroupEnum": "dlp.choices.Group",
    "DlpItemStateEnum": "dlp.api.serializers.ITEM_STATES",
}

# Web performance (list pages and dashboards at 300,000 items; docs/benchmarks.md)
# Input and select widgets written in Python: the same markup as Django's templates, a tenth of the cost.
FORM_RENDERER = "coe_portal.core.form_renderer.FastRenderer"
# Sessions read from Redis (written through to the database): one query less on every page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# In the web server (wsgi.py sets COE_WEB_DATABASE_OPTIONS): page queries are short, so PostgreSQL's
# JIT compilation and parallel workers cost more CPU than they save; Celery tasks keep both. The pages
# read rows that are in memory: at the default random_page_cost (4, a spinning disk) the planner walked
# the name index past thousands of rows rather than read the few hundred a tag or department matches.
WEB_DATABASE_OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1"
if envbool("COE_WEB_DATABASE_OPTIONS", False):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = WEB_DATABASE_OPTIONS
# Per-process cache for fragments that depend on nothing but code and roles (the navigation).
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "coe-portal-local"}

# Migration requests and jobs (migrations_app, issue 7)
MIGRATION_RETRY_SECONDS = envint("MIGRATION_RETRY_SECONDS", 10)  # a job waiting for its target's import lock
MIGRATION_IMPORT_LOCK_SECONDS = envint("MIGRATION_IMPORT_LOCK_SECONDS", 1800)  # longer than the slowest import
# How long a job waits for its target's import lock in the worker before it is queued again.
MIGRATION_IMPORT_WAIT_SECONDS = envint("MIGRATION_IMPORT_WAIT_SECONDS", 10)
CELERY_BEAT_SCHEDULE["migrations: due waves"] = {"task": "migrations_app.tasks.start_due_waves", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["migrations: stalled jobs"] = {"task": "migrations_app.tasks.recover_stalled_jobs",
                                                    "schedule": 300.0}
MIGRATION_POLL_SECONDS = envint("MIGRATION_POLL_MS", 1000) / 1000  # between polls of an export or import
# Past this an export the tenant still runs fails its step (a retry starts a new one).
MIGRATION_EXPORT_TIMEOUT_SECONDS = envint("MIGRATION_EXPORT_TIMEOUT_SECONDS", 600)
# How long a worker polls an export itself before it leaves the rest to later runs (and is free).
MIGRATION_EXPORT_INLINE_SECONDS = envint("MIGRATION_EXPORT_INLINE_SECONDS", 5)
# Move work (migration jobs, legacy package exports, copy tracking) waits on the tenant far more
# than it computes, so it has a queue of its own, served by workers that run several tasks at once
# in threads (docker-compose's migration-worker; `make demo` starts one): a wave never holds the
# processes that sync the inventory and send the e-mails, and a worker's waits overlap.
MIGRATION_QUEUE = "migrations"
CELERY_TASK_ROUTES = {f"migrations_app.tasks.{name}": {"queue": MIGRATION_QUEUE}
                      for name in ("run_migration_job", "export_legacy_package", "track_copy")}

# Triage leftovers (triage5): a clean-up step's claim lease; past it, beat puts the case back and queues it again.
# Longer than the slowest step (a package export gives up after 600 s).
CLEANUP_LEASE_SECONDS = envint("CLEANUP_LEASE_SECONDS", 1800)
CELERY_BEAT_SCHEDULE["clean-up: cases whose worker died"] = {"task": "inventory.tasks.cleanup_recover",
                                                             "schedule": 300.0}

# Progress dashboards kept current (issue 20): a change the figures count (a tag, a sent message, an answer,
# a request or job state, a clean-up stage, a DLP run) marks them stale; beat retakes the snapshot once per
# check when marked, so a burst of changes costs one snapshot. A person's "Refresh figures" asks for one at
# once, at most once per refresh window each (a snapshot costs the same whoever asks).
DASHBOARD_CHANGE_CHECK_SECONDS = envint("DASHBOARD_CHANGE_CHECK_SECONDS", 60)
DASHBOARD_REFRESH_SECONDS = envint("DASHBOARD_REFRESH_SECONDS", 300)
CELERY_BEAT_SCHEDULE["dashboard snapshot after changes"] = {
    "task": "coe_portal.dashboards.tasks.snapshot_if_changed", "schedule": float(DASHBOARD_CHANGE_CHECK_SECONDS)}
