from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("help/", views.help_now, name="help"),
    path("settings/profile/", views.profile_settings, name="profile-settings"),
]
