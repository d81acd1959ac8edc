"""The outcome measures the partnership reports on (seeded by a migration, and restored
after every migrate, so a flushed test database has them too)."""

from decimal import Decimal

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


def ensure_outcome_measures(outcome_measure_model) -> None:
    for code, name, scale, low, high, higher_better, recorder in MEASURES:
        outcome_measure_model.objects.update_or_create(
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


def ensure_after_migrate(sender, **kwargs):
    if sender.label == "interventions":
        from interventions.models import OutcomeMeasure

        ensure_outcome_measures(OutcomeMeasure)
