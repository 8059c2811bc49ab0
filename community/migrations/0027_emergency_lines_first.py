from django.db import migrations

# Danger now comes first on the help page: the emergency number, then the US line,
# then the listening lines. Only lines still at their first order move, so an order a
# moderator chose in the admin stays.
NEW_ORDER = {("Emergency services", 40): 1, ("988 Suicide & Crisis Lifeline", 50): 2}


def emergency_first(apps, schema_editor):
    CrisisLine = apps.get_model("community", "CrisisLine")
    for (name, old), new in NEW_ORDER.items():
        CrisisLine.objects.filter(name=name, order=old).update(order=new)


def emergency_last(apps, schema_editor):
    CrisisLine = apps.get_model("community", "CrisisLine")
    for (name, old), new in NEW_ORDER.items():
        CrisisLine.objects.filter(name=name, order=new).update(order=old)


class Migration(migrations.Migration):
    dependencies = [("community", "0026_account_deletion")]

    operations = [migrations.RunPython(emergency_first, emergency_last)]
