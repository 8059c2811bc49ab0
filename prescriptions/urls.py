from django.urls import path

from prescriptions import views, views_insights, views_link_workers

app_name = "prescriptions"

urlpatterns = [
    path("check-in/", views.check_in, name="check-in"),
    path("check-in/consent/", views.consent, name="consent"),
    path("settings/health-data/", views.health_data, name="health-data"),
    path("prescriptions/", views.feed, name="feed"),
    path("prescriptions/<int:pk>/plan/", views.plan, name="plan"),
    path("prescriptions/<int:pk>/done/", views.done, name="done"),
    path("prescriptions/<int:pk>/feel/", views.feel, name="feel"),
    path("prescriptions/<int:pk>/skip/", views.skip, name="skip"),
    path("insights/", views_insights.insights, name="insights"),
    path("wellbeing/", views_insights.wellbeing, name="wellbeing"),
    path("link-workers/", views_link_workers.member_settings, name="link-workers"),
    path("link-workers/members/", views_link_workers.caseload, name="caseload"),
    path(
        "link-workers/members/<str:handle>/",
        views_link_workers.member_view,
        name="link-worker-member",
    ),
]
