import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from django.db import IntegrityError, transaction

from community import services
from community.handles import unique_handle


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        user.display_name = data.get("display_name") or user.display_name
        user.time_zone = data.get("time_zone") or "UTC"
        if not user.handle and user.display_name:
            user.handle = unique_handle(user.display_name)
        if not commit:
            return super().save_user(request, user, form, commit=False)
        for _ in range(3):
            try:
                with transaction.atomic():
                    user = super().save_user(request, user, form, commit=True)
                    if form.cleaned_data.get("accept_guidelines"):
                        services.accept_guidelines(member=user)
                    return user
            except IntegrityError:
                # Two members took the same handle at the same moment: pick the next one.
                user.pk = None
                user.handle = unique_handle(user.display_name)
        raise IntegrityError("Could not find a free handle.")

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Sensitive changes (two-factor set-up, recovery codes) ask for the password
        again, except right after logging in: a login within the reauthentication
        timeout counts, as allauth counts a reauthentication."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request or context.request
        return request is None or not logged_in_recently(request)


def logged_in_recently(request) -> bool:
    """True when this session's latest authentication (a password, a code, an emailed
    link) happened within ACCOUNT_REAUTHENTICATION_TIMEOUT seconds."""
    if not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    if not records:
        return False
    return time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
