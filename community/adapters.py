from allauth.account.adapter import DefaultAccountAdapter

from community.handles import unique_handle


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        user.display_name = data.get("display_name") or user.display_name
        user.time_zone = data.get("time_zone") or "UTC"
        if not user.handle and user.display_name:
            user.handle = unique_handle(user.display_name)
        return super().save_user(request, user, form, commit)
