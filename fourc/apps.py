from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class FourCConfig(AppConfig):
    name = "fourc"
    verbose_name = "4C"
    default = True

    def ready(self):
        from fourc import checks  # noqa: F401 - registers the deploy checks


class FourCAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "fourc.admin.AdminSite"
