"""CareSys settings: zero-config development defaults, production values from the environment."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from caresys.lib.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

# Production is the default: DEBUG is on only where it is asked for (`make run` and the tests
# set DEBUG=1), so a server started any other way shows no traceback and needs its own key.
DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. CareSys runs in production mode unless DEBUG=1: set "
            "SECRET_KEY to a long random value (see README, 'Run it for your school'). "
            "生产模式需要设置 SECRET_KEY 环境变量。"
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "caresys.admin_site.CareSysAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "registry",
    "pairing",
    "visits",
    "rooms",
    "events",
    "plans",
    "reports",
    "reminders",
    "county",
    "demo",
]

MIDDLEWARE = [
    "caresys.lib.middleware.TrustedProxyMiddleware",
    "caresys.lib.middleware.CompressPagesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "caresys.lib.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "caresys.lib.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "caresys.lib.sessions.IdleTimeoutMiddleware",
    "registry.middleware.RefusedAccessLogMiddleware",
    "registry.middleware.PasswordChangeRequiredMiddleware",
    "registry.middleware.SchoolPagesNeedASchoolMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "caresys.urls"
WSGI_APPLICATION = "caresys.wsgi.application"

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
                "registry.context_processors.navigation",
                "reminders.context_processors.unread_notifications",
            ],
            "libraries": {"fields": "caresys.lib.fieldtags"},
        },
    },
]

# SQLite is the embedded default. Several teachers write at once, so: WAL (readers do not block
# the writer), IMMEDIATE transactions (a writer takes the lock up front instead of failing on
# upgrade) and a busy timeout (a second writer waits instead of raising "database is locked").
SQLITE_PATH = Path(envstr("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))
DATABASE_URL = envstr("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=envint("CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: its planner overestimates the dashboard's counts and spends
        # ~850 ms compiling a ~1 s query at 20,000 pupils (3 s at 100,000) that runs in ~0.2 s
        # without it. A school's pages are many short queries, where JIT never pays back.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    DATABASES = {
        "default": {
            # Django's backend plus `PRAGMA optimize` as each connection closes (statistics).
            "ENGINE": "caresys.lib.sqlite",
            "NAME": SQLITE_PATH,
            # Each gunicorn thread keeps its connection for a minute: no opening, PRAGMAs and
            # optimize (on close) a request.
            "CONN_MAX_AGE": envint("CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
    # The in-care index's INCLUDE (id) is for PostgreSQL's index-only scans; SQLite ignores it,
    # as every SQLite index already holds the row's id, which is what the warning is about.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "registry.User"
# django-axes refuses a sign-in while the account or the address is paused, before any
# password is checked; the school's backend then signs the person in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "caresys.lib.auth.SchoolUserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "caresys.lib.passwords.GuessablePasswordValidator"},
]
# Sign-in pauses (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one account, or
# from one address (REMOTE_ADDR, which TrustedProxyMiddleware has already made the client's),
# sign-in is paused; each further pause within a day is twice as long (registry/signin.py).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = "registry.signin.pause_for_request"
AXES_LOCKOUT_CALLABLE = "registry.signin.paused_response"
AXES_CLIENT_IP_CALLABLE = "registry.services.client_ip"
# Each failure expires on its own (its pause is fixed when it happens), not when anyone's
# sign-in sweeps attempts older than that person's shorter pause; and signing in to one's own
# account does not forgive guesses made from the same address at someone else's.
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_RESET_ON_SUCCESS = False
# The access log (registry.AccessLog) records sign-ins; the registrar's page lists pauses.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
CARESYS_SIGNIN_PAUSE_MINUTES = envint("CARESYS_SIGNIN_PAUSE_MINUTES", 5)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# 9月5日 where a day is written with its month (caresys/formats).
FORMAT_MODULE_PATH = ["caresys.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Development serves static files straight from static/ (no collectstatic step before make run).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Files a browser asks for at the site's root without being told (favicon.ico).
WHITENOISE_ROOT = BASE_DIR / "public"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# `manage.py backup`: where the dated archives go, and how many of the newest are kept.
CARESYS_BACKUP_DIR = Path(envstr("CARESYS_BACKUP_DIR", str(BASE_DIR / "backups")))
CARESYS_BACKUP_KEEP = envint("CARESYS_BACKUP_KEEP", 14)

# Django's form renderer with the commonest widgets written in Python, not a template each.
FORM_RENDERER = "caresys.lib.renderers.QuickTemplates"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)
# A session ends with the browser unless the person ticks "my own device" when signing in;
# either way it ends after the school's idle timeout (caresys.lib.sessions).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Behind the school's reverse proxy (nginx), the client's address and the scheme come from its
# headers, but only from the proxies named here: anyone else could write those headers.
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES", [])
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only the site's own files run, style and load: an injected <script> or onclick= does nothing.
# Bootstrap's CSS draws its icons from data: SVGs. The term summary's preview loosens this for
# its own response only (reports/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
CSRF_FAILURE_VIEW = "caresys.lib.http.csrf_failure"

# django-import-export (the staff list in the settings pages): an exported cell never runs as
# a formula (registry/resources.py quotes them the project's way as well), and the import is
# one transaction.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True

# Pages and PDFs read only what the project ships (see reports/pdf.py for WeasyPrint).
CARESYS_PAGE_SIZE = envint("CARESYS_PAGE_SIZE", 50)
# Roster import: the largest file and the most data rows one upload may hold.
CARESYS_IMPORT_MAX_BYTES = envint("CARESYS_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
CARESYS_IMPORT_MAX_ROWS = envint("CARESYS_IMPORT_MAX_ROWS", 20_000)
# Full ID numbers or 学籍号 a person other than the registrar may reveal in a day (the 显示 button).
CARESYS_DAILY_ID_REVEALS = envint("CARESYS_DAILY_ID_REVEALS", 30)

# Long work (a roster import) runs as a task in a worker process beside the site, so that no
# request holds the database: `manage.py db_worker` (make serve and make run start it). The
# queue is a table of the site's own database. CARESYS_TASKS_IMMEDIATE=1 runs a task at once in
# the process that enqueues it (the tests, except those that start a worker).
if envbool("CARESYS_TASKS_IMMEDIATE", False):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Reminders (manage.py send_reminders): e-mail through Django's settings, printed to the console
# in development; links in e-mails and group messages start with the site's address; a delivery
# that fails is tried again on the next runs, this many times in all.
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "caresys@localhost")
CARESYS_SITE_URL = envstr(
    "CARESYS_SITE_URL",
    "http://127.0.0.1:8000" if DEBUG or not ALLOWED_HOSTS else f"https://{ALLOWED_HOSTS[0]}",
)
CARESYS_REMINDER_ATTEMPTS = envint("CARESYS_REMINDER_ATTEMPTS", 5)

# Logs go to standard error, which gunicorn passes on and systemd keeps in the journal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
