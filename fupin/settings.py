"""Django settings for fupin.

Everything is read from the environment. The defaults are safe, not convenient: DEBUG is
off unless FUPIN_DEBUG=1 (`make demo` sets it, with a development secret key), and with
DEBUG off the server refuses to start without FUPIN_SECRET_KEY. Production sets
FUPIN_SECRET_KEY, FUPIN_ALLOWED_HOSTS, DATABASE_URL (postgres://user@host:5432/name) and,
behind HTTPS, FUPIN_HTTPS=1 (secure cookies, HSTS) and FUPIN_TRUSTED_PROXIES.
"""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FUPIN_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict:
    """Turn sqlite:///path or postgres://user:pw@host:port/name into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path[1:] if path.startswith("//") else path or str(VAR_DIR / "fupin.sqlite3"),
            "OPTIONS": {
                # WAL lets readers go on while an import writes; IMMEDIATE avoids
                # "database is locked" upgrades in the middle of a write transaction.
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "fupin",
            "USER": unquote(parsed.username or "postgres"),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": os.environ.get("FUPIN_TEST_DB_NAME")},
        }
    raise ValueError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported")


DEBUG = _env_bool("FUPIN_DEBUG", False)
SECRET_KEY = os.environ.get("FUPIN_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FUPIN_SECRET_KEY is not set. With DEBUG off (the default) the server needs a "
            "secret key of its own: set FUPIN_SECRET_KEY to a long random string (e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or set "
            "FUPIN_DEBUG=1 for development only (`make demo` does)."
        )
    SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 (DEBUG only)
# `testserver` (the test client's host) is added by Django's test setup, only under tests.
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("FUPIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "captcha",
    "django_tasks_db",
    "fupin.core",
    "fupin.accounts",
    "fupin.geo",
    "fupin.registry",
    "fupin.exchange",
    "fupin.quality",
    "fupin.compare",
    "fupin.tips",
    "fupin.cases",
    "fupin.policy",
    "fupin.monitoring",
    "fupin.assistance",
    "fupin.teams",
    "fupin.programmes",
    "fupin.microcredit",
    "fupin.employment",
    "fupin.relocation",
    "fupin.training",
    "fupin.industry",
    "fupin.education",
    "fupin.health",
    "fupin.indicators",
    "fupin.assessment",
    "fupin.dashboards",
    "fupin.funds",
    "fupin.projects",
    "fupin.supervision",
    "fupin.leaders",
    "fupin.scoring",
    "fupin.dossier",
    "fupin.api",
    "fupin.web",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "fupin.core.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fupin.core.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fupin.core.middleware.RequestIdMiddleware",
    "fupin.accounts.middleware.AdminOnlyForSysadminMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fupin.urls"
WSGI_APPLICATION = "fupin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fupin.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (imports, reports, the daily commands) are tasks in the database, run by
# `fupin worker` (fupin/core/management/commands/worker.py); see README "fupin worker".
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The daily commands `fupin worker` enqueues once a day at the given China time
# (TIME_ZONE), without cron: name -> (time of day "HH:MM", the command's arguments).
FUPIN_SCHEDULE = {
    "cases-advance-notices": ("00:30", ["cases", "advance-notices"]),
    # Before the monitoring scan: an overdue loan's warning is read by the day's work.
    "microcredit-overdue": ("00:45", ["microcredit", "overdue"]),
    "monitoring-scan": ("01:00", ["monitoring", "scan"]),
    "supervision-escalate": ("02:00", ["supervision", "escalate"]),
    "prune-jobs": ("03:00", ["prune_jobs"]),
}
# The tip line printed on household handbooks (fupin.tips.selectors.tip_line): the
# poverty-alleviation supervision hotline, 12317 nationally; a county may run its own.
TIPS_HOTLINE = os.environ.get("FUPIN_TIPS_HOTLINE", "12317")
# Finished task results (their arguments and tracebacks), Jobs and ScheduledRuns are removed
# by the daily "prune-jobs" after this many days: a quarter, long enough to look into a
# failed import or a missed daily run of the last reporting period, short enough that the
# tables (and whatever a traceback quoted) do not grow for ever.
FUPIN_JOB_RETENTION_DAYS = int(os.environ.get("FUPIN_JOB_RETENTION_DAYS", "90"))
# Today's dashboard figures are computed again after a change at most this often (seconds)
# per area (fupin.dashboards.selectors.todays_figures_at); the page shows their time.
FUPIN_FIGURES_MIN_AGE = int(os.environ.get("FUPIN_FIGURES_MIN_AGE", "60"))
# The grading signal "serious illness" (fupin.health.rules): a household whose members
# paid more than this (yuan) out of pocket for medical care in the last twelve months.
FUPIN_SERIOUS_ILLNESS_OUT_OF_POCKET = Decimal(
    os.environ.get("FUPIN_SERIOUS_ILLNESS_OUT_OF_POCKET", "10000")
)

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
# New REST API tokens expire after this many days unless `fupin token create --days N`.
API_TOKEN_DAYS = int(os.environ.get("FUPIN_API_TOKEN_DAYS", "90"))
LOGOUT_REDIRECT_URL = "login"
# Passwords are stored with Argon2id (memory-hard: costlier to guess on a GPU than
# PBKDF2, and 336 ms of CPU per check against PBKDF2's 862 ms, measured once on this
# 2-core machine). A hash of an earlier hasher still in this list is checked and
# rewritten with the first on sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling and lockout (django-axes, kept in the database: AccessAttempt,
# AccessFailureLog, AccessLog). After FUPIN_LOGIN_FAILURES failed logins a user name is
# locked, and so is the address they came from (each on its own), for
# FUPIN_LOGIN_LOCKOUT_MINUTES; `fupin axes_reset_username NAME` / `fupin axes_reset_ip
# ADDRESS` (or `fupin axes_reset` for all) unlock earlier. API tokens do not log in and are
# not affected.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's area in the same query (every request
    # scopes by it).
    "fupin.accounts.backends.AreaModelBackend",
]
AXES_ENABLED = _env_bool("FUPIN_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = int(os.environ.get("FUPIN_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("FUPIN_LOGIN_LOCKOUT_MINUTES", "60")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "core/locked.html"
AXES_VERBOSE = False
# Behind a reverse proxy, FUPIN_TRUSTED_PROXIES lists its addresses (comma separated): the
# client address is then read from X-Forwarded-For, trusting only those proxies. Without
# it the address is the connection's own (REMOTE_ADDR), and X-Forwarded-For is ignored.
TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("FUPIN_TRUSTED_PROXIES", "").split(",") if p.strip()
]
if TRUSTED_PROXIES:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    AXES_IPWARE_PROXY_TRUSTED_IPS = TRUSTED_PROXIES
    AXES_IPWARE_PROXY_ORDER = "left-most"
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Chinese first, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "fupin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Browser libraries installed by `npm ci` (make install) into node_modules/ are served from
# here too, never from a CDN: fupin.dashboards.finders exposes Apache ECharts.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "fupin.dashboards.finders.VendorFinder",
]
# WhiteNoise serves from here after collectstatic (and from the apps in DEBUG/tests);
# the directory must exist even before the first collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# Attachments (household files 一户一档): photos and signed scans.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# One cache shared by every server process: the progress of a web import
# (fupin.exchange.jobs, written by a thread of the process that took the upload, read by
# the page polling it) and the rate limits of the public pages (fupin.core.abuse) must be
# seen by all of them. The database cache by default (its table is created by `migrate`,
# fupin/core/migrations), Redis when REDIS_URL is set (the `redis` package is then needed).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # One Redis server may serve several installations (or a test run): each
            # keeps to its own prefix.
            "KEY_PREFIX": os.environ.get("FUPIN_CACHE_PREFIX", "fupin"),
        }
    }
else:
    CACHES = {
        "default": {
            # Django's database cache with an atomic incr (the rate limits count on it).
            "BACKEND": "fupin.core.cache.DatabaseCache",
            "LOCATION": "fupin_cache",
        }
    }

# The CAPTCHA of the public forms (django-simple-captcha): images drawn here with Pillow,
# nothing fetched from outside. CAPTCHA_TEST_MODE stays off (tests that need it set it).
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.random_char_challenge"
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_FONT_SIZE = 30

SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a session ends after FUPIN_SESSION_IDLE_MINUTES without a request.
SESSION_COOKIE_AGE = int(os.environ.get("FUPIN_SESSION_IDLE_MINUTES", "30")) * 60
# fupin.core.middleware.IdleSessionMiddleware moves the expiry on at most once a minute
# (instead of SESSION_SAVE_EVERY_REQUEST, a session write on every request).
SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_SAMESITE = "Lax"

# Security headers. The Content-Security-Policy allows this origin only: scripts and
# styles from our static files (ECharts included), inline <script>/<style> only with the
# request's nonce, no inline event handlers or style attributes, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind HTTPS (FUPIN_HTTPS=1): cookies only over HTTPS, HSTS, and http:// redirected.
HTTPS = _env_bool("FUPIN_HTTPS", False)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("FUPIN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("FUPIN_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("FUPIN_HSTS_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = False
    if TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Structured logs: one JSON object per line with the request id (fupin.core.logs), ID
# numbers masked. On standard error, so that a command's own output on standard output
# stays clean; `fupin serve` moves them to standard output, next to its access log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "fupin.core.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING")},
}
