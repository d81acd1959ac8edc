from decimal import Decimal

from django.db import migrations

# code, name, scale, min, max, higher is better, recorded by (organisation type; "" = derived)
MEASURES = [
    (
        "further_violence_offence",
        "Further violence offence recorded",
        "Offences since the intervention began",
        0,
        99,
        False,
        "police",
    ),
    (
        "ed_assault_attendance",
        "Emergency department attendance for assault",
        "Attendances since the intervention began",
        0,
        99,
        False,
        "health",
    ),
    (
        "re_referral_12_months",
        "Re-referral within 12 months",
        "0 = no, 1 = yes (derived by the system)",
        0,
        1,
        False,
        "",
    ),
    (
        "school_attendance",
        "School attendance",
        "Percentage of sessions attended",
        0,
        100,
        True,
        "school",
    ),
    (
        "school_exclusion",
        "Exclusion from school",
        "0 = not excluded, 1 = excluded",
        0,
        1,
        False,
        "school",
    ),
    ("eet", "In education, employment or training", "0 = no, 1 = yes", 0, 1, True, "youth_justice"),
    (
        "feeling_safe",
        "Self-reported feeling safe",
        "1 (not at all) to 10 (completely)",
        1,
        10,
        True,
        "voluntary",
    ),
    (
        "audit_c",
        "AUDIT-C alcohol score",
        "0 to 12; higher means riskier drinking",
        0,
        12,
        False,
        "health",
    ),
    (
        "da_incidents",
        "Domestic abuse incidents since the intervention began",
        "Incidents recorded",
        0,
        99,
        False,
        "police",
    ),
]


def seed(apps, schema_editor):
    OutcomeMeasure = apps.get_model("interventions", "OutcomeMeasure")
    for code, name, scale, low, high, higher_better, recorder in MEASURES:
        OutcomeMeasure.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "scale": scale,
                "min_value": Decimal(low),
                "max_value": Decimal(high),
                "higher_is_better": higher_better,
                "recorded_by_type": recorder,
                "derived": recorder == "",
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("interventions", "OutcomeMeasure").objects.filter(
        code__in=[m[0] for m in MEASURES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("interventions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
