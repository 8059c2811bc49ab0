from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class FourCConfig(AppConfig):
    name = "fourc"
    verbose_name = "4C"
    default = True


class FourCAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "fourc.admin.AdminSite"
