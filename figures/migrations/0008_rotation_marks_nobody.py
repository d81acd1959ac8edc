"""A key rotation marks nobody stale.

``rotate_keys`` rewrites the sealed columns (and, asked to, the blind indexes) of every row;
no figure reads them, so the update triggers of migration 0002 fired for nothing, one
``StaleSubject`` row per row rotated. Each source table's trigger is split: inserts and
deletes as before, and updates only when a column other than those changed.
"""

from django.db import migrations

from core.fields import EncryptedFieldMixin

# The tables of migration 0002 (their ``figures_mark_<table>()`` functions stay as they are).
TABLES = {
    "referrals_person": ("referrals", "Person"),
    "referrals_referral": ("referrals", "Referral"),
    "referrals_consent": ("referrals", "Consent"),
    "referrals_lawfulbasis": ("referrals", "LawfulBasis"),
    "referrals_participation": ("referrals", "Participation"),
    "referrals_maracreferral": ("referrals", "MaracReferral"),
    "cases_paneldecision": ("cases", "PanelDecision"),
    "cases_case": ("cases", "Case"),
    "cases_caseshare": ("cases", "CaseShare"),
    "interventions_allocation": ("interventions", "Allocation"),
    "interventions_outcomerecord": ("interventions", "OutcomeRecord"),
    "interventions_contact": ("interventions", "Contact"),
}
# Blind indexes are plain columns that only a rotation of ``BLIND_INDEX_KEY`` rewrites
# without any other change (``referrals.key_rotation.BLIND_INDEX_FIELDS``).
BLIND_INDEXES = {
    "referrals_person": [
        "family_name_dob_index",
        "nhs_number_index",
        "police_reference_index",
        "unique_pupil_number_index",
    ]
}


def _rotated_columns(apps, table):
    model = apps.get_model(*TABLES[table])
    sealed = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
    return sealed + BLIND_INDEXES.get(table, [])


def _split(table, columns):
    # Table and column names are this module's constants and the models' own, never input.
    if not columns:
        return ""
    names = ", ".join(f"'{c}'" for c in columns)
    return f"""
DROP TRIGGER IF EXISTS figures_mark ON {table};
CREATE TRIGGER figures_mark AFTER INSERT OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION figures_mark_{table}();
CREATE TRIGGER figures_mark_update AFTER UPDATE ON {table}
    FOR EACH ROW WHEN (
        to_jsonb(OLD) - ARRAY[{names}] IS DISTINCT FROM to_jsonb(NEW) - ARRAY[{names}]
    )
    EXECUTE FUNCTION figures_mark_{table}();
"""


def _joined(table):
    return f"""
DROP TRIGGER IF EXISTS figures_mark_update ON {table};
DROP TRIGGER IF EXISTS figures_mark ON {table};
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION figures_mark_{table}();
"""


def split(apps, schema_editor):
    for table in TABLES:
        sql = _split(table, _rotated_columns(apps, table))
        if sql:
            schema_editor.execute(sql)


def join(apps, schema_editor):
    for table in TABLES:
        if _rotated_columns(apps, table):
            schema_editor.execute(_joined(table))


class Migration(migrations.Migration):
    dependencies = [
        ("figures", "0007_allocation_outcome_sharing_tallies"),
        ("referrals", "0013_list_indexes"),
        ("cases", "0004_list_and_agenda_indexes"),
        ("interventions", "0004_intervention_annual_funding"),
    ]

    operations = [migrations.RunPython(split, join)]
