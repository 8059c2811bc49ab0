"""The reply's own index on its post goes: reply_post_thread (post, created_at, id) leads
with the post and serves every lookup by post. With both, the thread's statement,
prepared on the server with one plan for every post, took the narrower one and sorted a
whole long thread for each page (community.selectors.REPLIES_FIRST_PAGE). Dropping an
index is quick; it waits only for the table's lock."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0031_reaction_counts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reply",
            name="post",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="replies",
                to="community.post",
            ),
        ),
    ]
