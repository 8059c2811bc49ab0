"""Test configuration: the real settings, with test-only overrides.

The suite runs on PostgreSQL and Redis (make test starts both); it refuses
to run on the embedded defaults, so a green run always means real services.
"""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "4c" * 24)

from fourc.settings import *  # noqa: E402, F403
from fourc.settings import DATABASES, REDIS_URL  # noqa: E402

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The suite runs on PostgreSQL: use `make test`, which starts one.")
if not REDIS_URL:
    raise ImproperlyConfigured("The suite needs Redis: use `make test`, which starts one.")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The test client and the browser talk plain HTTP to a local server.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
DATABASES["default"]["CONN_MAX_AGE"] = 0
# WhiteNoise serves straight from the finders in tests; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
