"""4C settings: one module, driven by the environment.

Every variable is documented in `.env.example`. The defaults are the embedded
development set-up (SQLite, a file-system Celery broker, console email); the
real services are switched on by DATABASE_URL, REDIS_URL and EMAIL_URL.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. 4C refuses to start without one when DEBUG is off. "
            "Set SECRET_KEY in the environment, or DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    # Django
    "fourc.apps.FourCAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    # Third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    # 4C
    "fourc",
    "community",
    "prescriptions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "fourc.middleware.MemberTimeZoneMiddleware",
    "fourc.middleware.NoteVisitMiddleware",
    "fourc.middleware.PrivacyHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fourc.middleware.InvalidFormStatusMiddleware",
    "fourc.middleware.AccountDeletionPendingMiddleware",
]

ROOT_URLCONF = "fourc.urls"
FORM_RENDERER = "fourc.lib.forms.FormRenderer"
WSGI_APPLICATION = "fourc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.context_processors.navigation",
                "prescriptions.context_processors.completion_prompt",
            ],
        },
    },
    {
        # The cards a list draws many times (fourc/jinja2.py, fourc/templatetags/cards.py).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "fourc.jinja2.environment"},
    },
]

# --- Data -------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'fourc.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default, fit for a few members writing at once: write-ahead logging
    # (readers never wait for a writer), a busy timeout (a writer waits its turn instead
    # of failing with "database is locked"), and transactions that take the write lock
    # when they begin, so two can't both read and then fail to upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction mode a server-side cursor (.iterator()) may meet
    # another client's connection: true there (README, Production).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DISABLE_SERVER_SIDE_CURSORS", default=False
    )
# The check-in's queries prepared on the server once per connection (fourc/lib/prepared.py):
# false behind PgBouncer in transaction mode, as DISABLE_SERVER_SIDE_CURSORS is true there.
PREPARED_STATEMENTS = env.bool("PREPARED_STATEMENTS", default=True)
if PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Sent when a connection starts (PgBouncer refuses startup options: behind it, set
    # the second on 4C's role, README "Production"):
    # - planned once, for any values: the plans of prepared statements only (Django's own
    #   queries are not prepared), each a lookup by member;
    # - no parallel workers: a request's queries read a few hundred rows, and starting two
    #   workers took 5 of a search's 11 ms in PostgreSQL (its replies' stream at 100k
    #   posts); under load they would take the cores other requests need.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = " ".join(  # after any options DATABASE_URL carries
        filter(
            None,
            [
                _options.get("options"),
                "-c plan_cache_mode=force_generic_plan",
                "-c max_parallel_workers_per_gather=0",
            ],
        )
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "fourc.lib.redis_cache.RedisCache",  # Django's, one client per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fourc",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Database sessions that know their member (community/sessions.py): ended all at once,
# read from Redis in front of the database. The local-memory cache is one per process, so
# a session ended by the worker would live on in a web process: without Redis, sessions
# are read from the database alone (a cache that keeps nothing).
SESSION_ENGINE = "community.sessions"
if not REDIS_URL:
    CACHES["sessions"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    SESSION_CACHE_ALIAS = "sessions"

# --- Accounts ---------------------------------------------------------------

AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, reading the member's row from SQL built once (their module).
    "community.backends.ModelBackend",
    "community.backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "display_name", "handle")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {
    "signup": "community.forms.SignupForm",
    "login": "community.forms.LoginForm",
    "change_password": "community.forms.ChangePasswordForm",
    "reset_password_from_key": "community.forms.ResetPasswordKeyForm",
}
# Mandatory: a new member signs in by following the emailed link. Until then
# they browse as a visitor. Writing needs a confirmed address
# (community.permissions.verified_member_required).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "4C: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# Being a member of a support community is itself private: sign-up and
# password reset never reveal whether an address has an account. A sign-up
# with a taken address gets the same "check your inbox" page, and the owner
# an email saying someone tried.
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's rate limits are on by default; they live in the cache, which is
# Redis wherever REDIS_URL is set.
ACCOUNT_RATE_LIMITS = {"signup": "10/m/ip", "login_failed": "10/m/ip,5/5m/key"}

# Behind a proxy, rate limits must key on the member's address, not the proxy's.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "4C"

# A new member's first post waits for a moderator before it appears (off by default).
FIRST_POSTS_REVIEWED = env.bool("FIRST_POSTS_REVIEWED", default=False)

# --- Email ------------------------------------------------------------------

# EMAIL_URL (smtp://user:pass@host:port, consolemail://, ...) becomes Django's
# default mailer.
_email = env.email_url("EMAIL_URL", default="consolemail://")
_mailer_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "file_path": _email.get("EMAIL_FILE_PATH"),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {key: value for key, value in _mailer_options.items() if value},
    }
}
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    # Readable in the terminal: the decoded text, links whole (fourc/lib/emails.py).
    MAILERS["default"]["BACKEND"] = "fourc.lib.emails.ConsoleBackend"
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"]["timeout"] = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="4C <hello@4c.localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# A nudge's Message-ID is <nudge-ID@this>: stable, so a retried send can be recognised.
NUDGE_MESSAGE_ID_DOMAIN = urlsplit(SITE_URL).hostname or "4c.localhost"

# --- Celery -----------------------------------------------------------------

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # A broker that needs no server: kombu's file-system transport under var/.
    _celery_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "results", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_celery_dir / 'results'}"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# The schedule is code; what is due for whom lives in the data.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "fourc.ping", "schedule": timedelta(minutes=1)},
    "nudges-dispatch": {
        "task": "prescriptions.dispatch_nudges",
        "schedule": timedelta(minutes=env.int("NUDGE_TICK_MINUTES", default=5)),
    },
    "nudges-sweep": {"task": "prescriptions.sweep_nudges", "schedule": timedelta(minutes=5)},
    "moderators-alert": {"task": "community.alert_moderators", "schedule": timedelta(minutes=5)},
    # Crisis words of the last two days matched again: a net under every save (a process
    # that didn't yet know new phrases, old code during a deploy).
    "crisis-words-rematch": {
        "task": "community.rematch_recent_crisis_words",
        "schedule": timedelta(minutes=15),
    },
    # What every check-in shares (prescriptions.targets), built before it is needed.
    "shared-values-refresh": {
        "task": "prescriptions.refresh_shared_values",
        "schedule": timedelta(seconds=30),
    },
    # Copies of members' data are kept 24 hours; this deletes them soon after.
    "data-exports-sweep": {
        "task": "community.sweep_data_exports",
        "schedule": timedelta(minutes=15),
    },
    "accounts-erase": {"task": "community.erase_due_accounts", "schedule": timedelta(minutes=15)},
    # The fastest-growing tables kept small: read notifications after 180 days, finished
    # nudge-log rows after 90, expired sessions. Hourly, up to 200,000 rows a table each
    # time: 4.8 million a day, above a million members' daily nudges (BENCHMARKS.md).
    "community-prune": {"task": "community.prune", "schedule": timedelta(hours=1)},
    "nudge-logs-prune": {
        "task": "prescriptions.prune_nudge_logs",
        "schedule": timedelta(hours=1),
    },
    # The header's unread counts are kept as things happen; this recounts them nightly.
    "unread-counts-reconcile": {
        "task": "community.reconcile_unread_counts",
        "schedule": timedelta(hours=24),
    },
    "reaction-counts-reconcile": {
        "task": "community.reconcile_reaction_counts",
        "schedule": timedelta(hours=24),
    },
}
# Where beat remembers its last runs (`make run`); the Procfile's beat passes its own --schedule.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# --- Security ---------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health checks are probed over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^ping$"]

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"expected_refusals": {"()": "fourc.lib.logs.ExpectedRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's own console handler (in DEBUG) would print each record a second time
        # beside the root's: Django's records go to the root's handler only.
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["expected_refusals"]},
    },
}
