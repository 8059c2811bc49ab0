from django.db import migrations, models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

# The rule as it stands here (Notification.shown, community.notifications).
ABOUT_HIDDEN_WORDS = ("content_hidden", "moderation_warning")


def count_unread(apps, schema_editor):
    """Each member's count from the unread notifications their inbox shows."""
    User = apps.get_model("community", "User")
    Notification = apps.get_model("community", "Notification")
    Block = apps.get_model("community", "Block")
    about_hiding = Q(kind__in=ABOUT_HIDDEN_WORDS)
    blocked = Block.objects.filter(
        Q(blocker=OuterRef("recipient"), blocked=OuterRef("actor"))
        | Q(blocker=OuterRef("actor"), blocked=OuterRef("recipient"))
    )
    shown = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .exclude(Q(post__is_hidden=True) & ~about_hiding)
        .exclude(post__removed_at__isnull=False)
        .exclude(post__space__is_archived=True)
        .exclude(Q(reply__is_hidden=True) & ~about_hiding)
        .exclude(reply__removed_at__isnull=False)
        .exclude(Q(actor_hidden=False) & Exists(blocked))
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    User.objects.filter(Exists(Notification.objects.filter(recipient=OuterRef("pk")))).update(
        unread_notifications=Coalesce(Subquery(shown), 0)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0027_emergency_lines_first"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="unread_notifications",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_unread, migrations.RunPython.noop, elidable=True),
    ]
