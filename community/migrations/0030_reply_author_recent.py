from django.db import migrations, models

from fourc.lib.migration_ops import AddIndexWithoutLocking


class Migration(migrations.Migration):
    atomic = False  # the index is built concurrently on PostgreSQL: replies go on meanwhile

    dependencies = [
        ("community", "0029_crisis_words"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="reply",
            index=models.Index(fields=["author", "-created_at", "-id"], name="reply_author_recent"),
        ),
    ]
