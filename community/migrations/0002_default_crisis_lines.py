from django.db import migrations

DEFAULT_LINES = [
    {
        "name": "Samaritans",
        "region": "UK and Ireland",
        "how_to_reach": "Call 116 123 (free)",
        "phone": "116123",
        "hours": "24 hours, every day",
        "description": "Someone to talk to about anything that's troubling you.",
        "url": "https://www.samaritans.org",
        "order": 10,
    },
    {
        "name": "Shout",
        "region": "UK",
        "how_to_reach": "Text SHOUT to 85258 (free)",
        "sms": "85258",
        "hours": "24 hours, every day",
        "description": "If you'd rather text than talk.",
        "url": "https://giveusashout.org",
        "order": 20,
    },
    {
        "name": "NHS 111",
        "region": "UK (England)",
        "how_to_reach": "Call 111",
        "phone": "111",
        "hours": "24 hours, every day",
        "description": "Urgent help for your mental health when it isn't an emergency.",
        "url": "https://111.nhs.uk",
        "order": 30,
    },
    {
        "name": "Emergency services",
        "region": "UK",
        "how_to_reach": "Call 999",
        "phone": "999",
        "hours": "24 hours, every day",
        "description": "If your life or someone else's is in danger now.",
        "order": 40,
    },
    {
        "name": "988 Suicide & Crisis Lifeline",
        "region": "US",
        "how_to_reach": "Call or text 988",
        "phone": "988",
        "sms": "988",
        "hours": "24 hours, every day",
        "description": "Free, confidential support for people in distress.",
        "url": "https://988lifeline.org",
        "order": 50,
    },
]


def add_lines(apps, schema_editor):
    CrisisLine = apps.get_model("community", "CrisisLine")
    for line in DEFAULT_LINES:
        CrisisLine.objects.get_or_create(name=line["name"], defaults=line)


def remove_lines(apps, schema_editor):
    CrisisLine = apps.get_model("community", "CrisisLine")
    CrisisLine.objects.filter(name__in=[line["name"] for line in DEFAULT_LINES]).delete()


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [migrations.RunPython(add_lines, remove_lines)]
