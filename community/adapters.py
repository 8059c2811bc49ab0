from allauth.account.adapter import DefaultAccountAdapter
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
