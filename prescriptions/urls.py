from django.urls import path

from prescriptions import views
from prescriptions.nudges import views as nudges

app_name = "prescriptions"

urlpatterns = [
    path("check-in/", views.check_in, name="check-in"),
    path("check-in/consent/", views.consent, name="consent"),
    path("settings/health-data/", views.health_data, name="health-data"),
    path("settings/steps/", views.not_for_me, name="not-for-me"),
    path("settings/notifications/", nudges.preferences, name="nudge-settings"),
    path("settings/notifications/break/", nudges.take_a_break, name="nudge-break"),
    path("settings/notifications/break/end/", nudges.end_break, name="nudge-break-end"),
    path("emails/stop/<str:token>/", nudges.stop, name="nudge-stop"),
    path("prescriptions/", views.feed, name="feed"),
    path("prescriptions/<int:pk>/plan/", views.plan, name="plan"),
    path("prescriptions/<int:pk>/done/", views.done, name="done"),
    path("prescriptions/<int:pk>/feel/", views.feel, name="feel"),
    path("prescriptions/<int:pk>/skip/", views.skip, name="skip"),
    path("prescriptions/<int:pk>/reached-out/", views.reached_out, name="reached-out"),
    path("insights/", views.insights_page, name="insights"),
    path("wellbeing/", views.wellbeing, name="wellbeing"),
    path("a-hard-week/tell/", views.tell_link_worker, name="tell-link-worker"),
    path("link-workers/", views.member_settings, name="link-workers"),
    path("link-workers/members/", views.caseload, name="caseload"),
    path(
        "link-workers/members/<str:handle>/",
        views.member_view,
        name="link-worker-member",
    ),
]
