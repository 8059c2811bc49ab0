import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0025_member_sessions"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="deletion_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.CreateModel(
            name="AccountDeletion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "mode",
                    models.CharField(
                        choices=[
                            ("delete", "Delete my posts and replies"),
                            ("keep", "Keep them, shown as from a former member"),
                        ],
                        max_length=8,
                    ),
                ),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("due_at", models.DateTimeField(blank=True, null=True)),
                ("undone_at", models.DateTimeField(blank=True, null=True)),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="account_deletions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(
                            ("confirmed_at__isnull", False),
                            ("done_at__isnull", True),
                            ("undone_at__isnull", True),
                        ),
                        fields=["due_at"],
                        name="account_deletion_due",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("done_at__isnull", True), ("undone_at__isnull", True)),
                        fields=("member",),
                        name="account_deletion_one_open",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("confirmed_at__isnull", True), ("due_at__isnull", True)),
                            models.Q(("confirmed_at__isnull", False), ("due_at__isnull", False)),
                            _connector="OR",
                        ),
                        name="account_deletion_confirmed_has_due",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("mode__in", ["delete", "keep"])),
                        name="account_deletion_mode",
                    ),
                ],
            },
        ),
    ]
