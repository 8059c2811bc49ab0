from django.db import migrations, models

from fourc.lib.migration_ops import AddIndexWithoutLocking

BATCH = 2_000


def match_what_is_written(apps, schema_editor):
    """Every post and reply written so far, through the one matcher (with the phrases as
    they stand): only the matches are written, the rest keep the default. Outside a
    transaction, a batch at a time, so posting goes on meanwhile; what the previous code
    writes during the deploy is matched by the beat's rematch of recent words."""
    from community.safety import mentions_crisis

    for name, text in (("Post", lambda row: f"{row[1]}\n{row[2]}"), ("Reply", lambda row: row[2])):
        model = apps.get_model("community", name)
        fields = ("id", "title", "body") if name == "Post" else ("id", "id", "body")
        found = [
            row[0]
            for row in model.objects.values_list(*fields).iterator(chunk_size=BATCH)
            if mentions_crisis(text(row))
        ]
        for start in range(0, len(found), BATCH):
            model.objects.filter(pk__in=found[start : start + BATCH]).update(crisis_words=True)


class Migration(migrations.Migration):
    atomic = False  # the indexes are built concurrently and the backfill commits per batch

    dependencies = [
        ("community", "0028_unread_notification_count"),
    ]

    operations = [
        # Stored at every save from now on (Post.save, Reply.save): read by the crisis rule
        # and the steps' targets instead of matching every recent post again.
        migrations.AddField(
            model_name="post",
            name="crisis_words",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddField(
            model_name="reply",
            name="crisis_words",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        AddIndexWithoutLocking(
            model_name="post",
            index=models.Index(
                condition=models.Q(("crisis_words", True)),
                fields=["created_at"],
                name="post_crisis_words",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="reply",
            index=models.Index(
                condition=models.Q(("crisis_words", True)),
                fields=["created_at"],
                name="reply_crisis_words",
            ),
        ),
        migrations.RunPython(
            match_what_is_written, migrations.RunPython.noop, atomic=False, elidable=True
        ),
    ]
