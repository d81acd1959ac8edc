from django.db import migrations


def seed(apps, schema_editor):
    from interventions.measures import ensure_outcome_measures

    ensure_outcome_measures(apps.get_model("interventions", "OutcomeMeasure"))


def unseed(apps, schema_editor):
    from interventions.measures import MEASURES

    apps.get_model("interventions", "OutcomeMeasure").objects.filter(
        code__in=[m[0] for m in MEASURES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("interventions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
