from django.contrib import admin
from django.urls import include, path

from fourc import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("settings/", views.settings_index, name="settings"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("community.urls")),
    path("", include("prescriptions.urls")),
]

handler400 = "fourc.views.bad_request"
