"""The admin site: staff reach it through allauth's login, and only with MFA."""

from functools import update_wrapper

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.shortcuts import redirect


class AdminSite(admin.AdminSite):
    site_header = "4C moderation"
    site_title = "4C admin"
    index_title = "Moderation"

    def login(self, request, extra_context=None):
        # allauth's login (and its rate limits) instead of the admin's own form.
        return secure_admin_login(super().login)(request, extra_context)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.is_active and user.is_staff and not is_mfa_enabled(user):
                messages.info(
                    request,
                    "Staff accounts need two-factor authentication. "
                    "Set it up here, then the admin will open for you.",
                )
                return redirect("mfa_activate_totp")
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)
