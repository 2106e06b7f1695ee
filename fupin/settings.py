"""Django settings for fupin.

Everything is read from the environment with defaults that let `make demo` run with
nothing set: SQLite in ./var, DEBUG on, a development secret key. Production sets
FUPIN_SECRET_KEY, FUPIN_DEBUG=0, FUPIN_ALLOWED_HOSTS and DATABASE_URL
(postgres://user@host:5432/name).
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

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


SECRET_KEY = os.environ.get("FUPIN_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = _env_bool("FUPIN_DEBUG", True)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("FUPIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
ALLOWED_HOSTS.append("testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "captcha",
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
    "fupin.indicators",
    "fupin.assessment",
    "fupin.dashboards",
    "fupin.funds",
    "fupin.projects",
    "fupin.supervision",
    "fupin.scoring",
    "fupin.api",
    "fupin.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fupin.core.middleware.RequestIdMiddleware",
    "fupin.accounts.middleware.AdminOnlyForSysadminMiddleware",
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

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
# New REST API tokens expire after this many days unless `fupin token create --days N`.
API_TOKEN_DAYS = int(os.environ.get("FUPIN_API_TOKEN_DAYS", "90"))
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

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
# the page polling it) and the rate limits of the public pages (fupin.tips.abuse) must be
# seen by all of them. The database cache by default (its table is created by `migrate`,
# fupin/core/migrations), Redis when REDIS_URL is set (the `redis` package is then needed).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "fupin",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
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
SESSION_COOKIE_AGE = 8 * 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING")},
}
