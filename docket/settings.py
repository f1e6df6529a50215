"""Docket's one settings module, read from the environment.

Every variable is documented in the README's "Configuration" section. Nothing
secret lives in the repository: the secret key is generated into the data
folder the first time it is needed.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from docket.lib.env import env_bool, env_int, env_list, env_str, secret_from_file

# Lets admin and querysets be subscripted for the type checker at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent

DATA_DIR = Path(env_str("DOCKET_DATA_DIR", "var")).expanduser().resolve()
try:
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
except OSError as error:
    raise ImproperlyConfigured(
        f"Cannot create the data folder {DATA_DIR} ({error.strerror}); "
        "set DOCKET_DATA_DIR to a folder Docket may write to."
    ) from None

DEBUG = env_bool("DOCKET_DEBUG", False)

SECRET_KEY = env_str("DOCKET_SECRET_KEY") or secret_from_file(DATA_DIR / "secret_key")

# Production refuses to start without this (see `docket serve`); in debug mode
# only the loopback names are accepted.
ALLOWED_HOSTS = env_list("DOCKET_ALLOWED_HOSTS") or (
    ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DOCKET_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "docket",
    "docket.accounts",
    "docket.people",
    "docket.cases",
    "docket.law",
    "docket.letters",
    "docket.tracing",
    "docket.linkage",
    "docket.drafts",
    "docket.search",
    "docket.reports",
    "docket.interchange",
    "docket.estimates",
    "docket.dossiers",
    "docket.privacy",
    "docket.api",
    "docket.audit",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks_db",
    "django_countries",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After SessionMiddleware, so its answer is seen first: it may mark the session to save.
    "docket.lib.sessions.TouchSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in reader's calendar and digits for the dates shown (docket.lib.dates).
    "docket.lib.dates.PreferencesMiddleware",
    # After authentication, so it knows who is signed in: their answers are never stored.
    "docket.lib.caching.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "docket.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "docket.urls"
WSGI_APPLICATION = "docket.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "docket.navigation.navigation",
            ],
            # Dates and lists in the reader's calendar, digits and commas, on every page.
            "builtins": ["docket.templatetags.dates"],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        config: dict[str, Any] = dict(dj_database_url.parse(url))
        # Django's backend, with placeholders converted faster (docket/lib/sqlite/base.py).
        config["ENGINE"] = "docket.lib.sqlite"
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers
            # wait for busy_timeout instead of failing with "database is locked".
            # A writer waits this long for another's transaction to end (an import's
            # short write, a burst of users) before the request fails.
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("DOCKET_SQLITE_BUSY_SECONDS", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        return config
    if url.startswith(("postgres://", "postgresql://")):
        config = dict(dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True))
        config["ENGINE"] = "django.db.backends.postgresql"
        # PostgreSQL compiles a costly query's plan to machine code first (JIT), which
        # pays off over minutes of analytics and costs tens of milliseconds on every
        # page's count; Docket's queries are all the second kind.
        config["OPTIONS"] = {"options": "-c jit=off"}
        return config
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:// or postgres:// (got {url.split(':', 1)[0]!r})."
    )


DATABASES = {
    "default": _database(env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'docket.sqlite3'}")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses log-ins for a while after repeated failures, before checking passwords.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DOCKET_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DOCKET_LOCKOUT_MINUTES", 15))
# Per user name and address together: a stranger cannot lock a colleague out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind the proxy, the client's address is the one the proxy added to X-Forwarded-For;
# without this every request would share the proxy's address, and a lock-out by name alone.
AXES_CLIENT_IP_CALLABLE = "docket.accounts.addresses.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Docket"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A session ends after this long without a request, and when the browser closes.
SESSION_COOKIE_AGE = env_int("DOCKET_SESSION_IDLE_MINUTES", 30) * 60
# Not saved on every request (a write per page view, and a 400 when the database is
# busy): docket.lib.sessions.TouchSessionMiddleware saves an unchanged session's new
# expiry at most once a minute, so the idle limit holds to within a minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fa", "فارسی"), ("sq", "Shqip")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("DOCKET_TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {
        # Each file written whole or not at all (temporary file, fsync, rename).
        "BACKEND": "docket.lib.storage.AtomicFileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "files"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Security. HTTPS is on unless turned off explicitly: `make run` turns it off
# because it serves plain HTTP on loopback for one person trying Docket.
HTTPS = env_bool("DOCKET_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("DOCKET_HSTS_PRELOAD", True)
BEHIND_PROXY = env_bool("DOCKET_BEHIND_PROXY", False)
if BEHIND_PROXY:
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

GUNICORN_WORKERS = env_int("DOCKET_WORKERS", 2)

# Background work (scheduled checks, later reminders and imports) queues in the
# database and runs in `docket worker`: no other service to install.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker touches this file every round (every few seconds, and as each task
# starts); /healthz answers 503 once it is older than WORKER_STALE_MINUTES.
WORKER_HEARTBEAT_FILE = DATA_DIR / "worker-heartbeat"
WORKER_STALE_MINUTES = env_int("DOCKET_WORKER_STALE_MINUTES", 30)
# /healthz answers 503 when the newest audit checkpoint (written daily) is older.
AUDIT_CHECKPOINT_STALE_HOURS = env_int("DOCKET_CHECKPOINT_STALE_HOURS", 48)
# /healthz answers 503 when the data folder's disk has less free space than this.
MIN_FREE_DISK_MB = env_int("DOCKET_MIN_FREE_DISK_MB", 500)
# A picture larger than this is refused before its pixels are decoded (a small file
# can hold a huge picture: 13,000 x 13,000 pixels fit in 657 KB and take 1.5 GB).
MAX_PICTURE_PIXELS = env_int("DOCKET_MAX_PICTURE_MEGAPIXELS", 64) * 1_000_000

EVIDENCE_MAX_BYTES = env_int("DOCKET_EVIDENCE_MAX_MB", 50) * 2**20

# The audit log's checkpoints: the newest entry's number and hash, noted daily
# outside the database (docket.audit.log.write_checkpoint).
AUDIT_CHECKPOINT_FILE = DATA_DIR / "audit-checkpoints"
# Exports kept on the server; each is deleted 30 days after it was written.
EXPORTS_DIR = DATA_DIR / "exports"
# Who receives the daily anchor of the audit log (its head's number and keyed
# hash) by email, so a copy lives off this machine: comma-separated addresses.
AUDIT_ANCHOR_MAIL = env_list("DOCKET_AUDIT_ANCHOR_MAIL")

# Mail: letters to authorities, replies to them, reminders to staff. Without an
# SMTP host, outgoing mail is written to files in the data folder, where it can
# be read and nothing reaches the outside world by accident.
SMTP_HOST = env_str("DOCKET_SMTP_HOST")
MAILERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": SMTP_HOST,
            "port": env_int("DOCKET_SMTP_PORT", 587),
            "username": env_str("DOCKET_SMTP_USER"),
            "password": env_str("DOCKET_SMTP_PASSWORD"),
            "use_tls": env_bool("DOCKET_SMTP_STARTTLS", True),
            "use_ssl": env_bool("DOCKET_SMTP_SSL", False),
            "timeout": 30,
        },
    }
    if SMTP_HOST
    else {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "mail" / "outbox")},
    }
}
DEFAULT_FROM_EMAIL = env_str("DOCKET_MAIL_FROM", "docket@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Replies to a letter go to this address with the copy's reference added after a
# plus sign (replies+DKT-ABCD2345@example.org), so each reply finds its letter.
REPLY_ADDRESS = env_str("DOCKET_REPLY_ADDRESS", "replies@localhost")
# Where the worker collects replies: a maildir folder, or imaps://user:password@host/INBOX.
MAILBOX = env_str("DOCKET_MAILBOX")
# The address staff open Docket at, for links in reminders.
SITE_URL = env_str("DOCKET_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The association's name and address at the head of printed letters.
LETTERHEAD = env_str("DOCKET_LETTERHEAD", "Docket demonstration association")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DOCKET_LOG_LEVEL", "INFO")},
    # The worker says "starting" and "nothing to do" every few seconds; failures still show.
    "loggers": {
        "django_tasks_db": {"level": "WARNING"},
        # WeasyPrint logs seven steps of every PDF it makes.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
