import zoneinfo
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

DISPLAY_NAME_MAX = 50
HANDLE_MIN = 3
HANDLE_MAX = 30
PRONOUNS_MAX = 40
BIO_MAX = 500

handle_validator = RegexValidator(
    regex=rf"^[a-z0-9_]{{{HANDLE_MIN},{HANDLE_MAX}}}$",
    message=(
        f"A handle is {HANDLE_MIN} to {HANDLE_MAX} characters: "
        "lower-case letters, numbers and underscores."
    ),
)


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError("Choose a time zone from the list, such as Europe/London.")


_TIME_ZONES: frozenset[str] | None = None


def available_time_zones() -> frozenset[str]:
    global _TIME_ZONES  # noqa: PLW0603 - computed once, read often
    if _TIME_ZONES is None:
        _TIME_ZONES = frozenset(zoneinfo.available_timezones()) - {"localtime", "Factory"}
    return _TIME_ZONES


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        from community.handles import unique_handle

        email = self.normalize_email(email).lower()
        fields.setdefault("display_name", email.split("@")[0][:DISPLAY_NAME_MAX])
        fields.setdefault("handle", unique_handle(fields["display_name"]))
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of 4C. Roles (Moderators, Link workers) come from groups."""

    email = models.EmailField("email address", max_length=254, unique=True)
    display_name = models.CharField(
        max_length=DISPLAY_NAME_MAX,
        help_text="How other members see you. It doesn't need to be your real name.",
    )
    handle = models.CharField(
        max_length=HANDLE_MAX,
        unique=True,
        validators=[handle_validator],
        help_text="For your profile address and @mentions.",
    )
    pronouns = models.CharField(max_length=PRONOUNS_MAX, blank=True)
    bio = models.TextField(max_length=BIO_MAX, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(handle__regex=rf"^[a-z0-9_]{{{HANDLE_MIN},{HANDLE_MAX}}}$"),
                name="user_handle_format",
            ),
            models.CheckConstraint(
                condition=~models.Q(display_name=""), name="user_display_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} (@{self.handle})"

    def get_short_name(self) -> str:
        return self.display_name

    def get_full_name(self) -> str:
        return self.display_name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_now(self):
        return timezone.now().astimezone(self.tzinfo)

    @cached_property
    def has_verified_email(self) -> bool:
        """True once the member has confirmed their primary address: needed to write."""
        from allauth.account.models import EmailAddress

        return EmailAddress.objects.filter(user=self, verified=True, primary=True).exists()


class CrisisLine(models.Model):
    """A line on the "Get help now" page. Moderators keep the list in the admin."""

    name = models.CharField(max_length=80)
    region = models.CharField(
        max_length=60, help_text='Where it serves, e.g. "UK", "US", "Anywhere".'
    )
    how_to_reach = models.CharField(
        max_length=120, help_text='What to do, e.g. "Call 116 123" or "Text SHOUT to 85258".'
    )
    phone = models.CharField(
        max_length=30, blank=True, help_text="For a tap-to-call link; digits only is best."
    )
    sms = models.CharField(max_length=30, blank=True, help_text="For a tap-to-text link.")
    url = models.URLField(blank=True)
    hours = models.CharField(max_length=80, blank=True, help_text='e.g. "24 hours, every day".')
    description = models.CharField(max_length=240, blank=True)
    order = models.PositiveSmallIntegerField(default=100, help_text="Lower comes first.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"
