"""Deployment checks: production runs on the real services, never the embedded default."""

from django.conf import settings
from django.core.checks import Error, register


@register("fourc", deploy=True)
def real_services(app_configs, **kwargs):
    errors = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        errors.append(
            Error(
                "Production needs PostgreSQL: set DATABASE_URL=postgres://...",
                id="fourc.E001",
            )
        )
    if not settings.REDIS_URL:
        errors.append(
            Error(
                "Production needs Redis for the cache, rate limits and Celery: set REDIS_URL.",
                id="fourc.E002",
            )
        )
    if not settings.SITE_URL.startswith("https://"):
        errors.append(
            Error(
                "SITE_URL should be the public https:// address: it goes into every email.",
                id="fourc.E003",
            )
        )
    return errors
