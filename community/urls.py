from django.urls import path, re_path

from community import views

app_name = "community"

urlpatterns = [
    path("help/", views.help_now, name="help"),
    path("settings/profile/", views.profile_settings, name="profile-settings"),
    path("settings/blocked/", views.blocked_list, name="blocked"),
    path("settings/muted-words/", views.muted_words_settings, name="muted-words"),
    path("settings/hidden-spaces/show/", views.hidden_spaces_show, name="hidden-spaces-show"),
    path("guidelines/", views.guidelines_page, name="guidelines"),
    path("settings/paused/", views.suspension, name="suspension"),
    path("spaces/", views.space_list, name="space-list"),
    path("spaces/<slug:slug>/", views.space_detail, name="space-detail"),
    path("spaces/<slug:slug>/follow/", views.space_follow, name="space-follow"),
    path("spaces/<slug:slug>/new/", views.post_create, name="post-create"),
    path("posts/<int:pk>/", views.post_detail, name="post-detail"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post-edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post-delete"),
    path("posts/<int:pk>/follow/", views.post_follow, name="post-follow"),
    path("posts/<int:pk>/react/", views.react, {"target": "post"}, name="post-react"),
    path("posts/<int:pk>/report/", views.report, {"target": "post"}, name="post-report"),
    path("replies/<int:pk>/edit/", views.reply_edit, name="reply-edit"),
    path("replies/<int:pk>/delete/", views.reply_delete, name="reply-delete"),
    path("replies/<int:pk>/react/", views.react, {"target": "reply"}, name="reply-react"),
    path("replies/<int:pk>/report/", views.report, {"target": "reply"}, name="reply-report"),
    path("reply-tips/dismiss/", views.reply_tips_dismiss, name="reply-tips-dismiss"),
    path("unanswered/", views.unanswered, name="unanswered"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("search/", views.search, name="search"),
    path("members/<str:handle>/", views.member_detail, name="member-detail"),
    path("members/<str:handle>/block/", views.member_block, name="member-block"),
    path("members/<str:handle>/unblock/", views.member_unblock, name="member-unblock"),
    path("members/<str:handle>/report/", views.report, {"target": "member"}, name="member-report"),
    path("gatherings/", views.gathering_list, name="gathering-list"),
    path("gatherings/past/", views.gathering_past, name="gathering-past"),
    path("gatherings/new/", views.gathering_create, name="gathering-create"),
    path("gatherings/<int:pk>/", views.gathering_detail, name="gathering-detail"),
    path("gatherings/<int:pk>/edit/", views.gathering_edit, name="gathering-edit"),
    path("gatherings/<int:pk>/cancel/", views.gathering_cancel, name="gathering-cancel"),
    path("gatherings/<int:pk>/rsvp/", views.gathering_rsvp, name="gathering-rsvp"),
    path("gatherings/<int:pk>/leave/", views.gathering_leave, name="gathering-leave"),
    path("gatherings/<int:pk>/attended/", views.gathering_attended, name="gathering-attended"),
    path("gatherings/<int:pk>/calendar.ics", views.gathering_ics, name="gathering-ics"),
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{1,100})\.ics$",
        views.calendar_feed,
        name="calendar-feed",
    ),
    path("settings/calendar/", views.calendar_settings, name="calendar-settings"),
    path("settings/data/", views.your_data, name="your-data"),
    path(
        "settings/data/download/<str:token>/", views.your_data_download, name="your-data-download"
    ),
]
