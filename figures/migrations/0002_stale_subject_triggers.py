"""Triggers that mark a person's facts stale in the same transaction as any change to a
table a figure is computed from (see ``figures.models.StaleSubject``).

Each source table names how one of its rows reaches the person it is about; rows of the
audit ledger count only when they are disclosures, which the sharing figures read.
"""

from django.db import migrations

# table -> SQL expression giving the person's id from the row ``r`` (NEW or OLD).
SOURCES = {
    "referrals_person": "r.id",
    "referrals_referral": "r.person_id",
    "referrals_consent": "(SELECT person_id FROM referrals_referral WHERE id = r.referral_id)",
    "referrals_lawfulbasis": "(SELECT person_id FROM referrals_referral WHERE id = r.referral_id)",
    "referrals_participation": (
        "(SELECT person_id FROM referrals_referral WHERE id = r.referral_id)"
    ),
    "referrals_maracreferral": (
        "(SELECT person_id FROM referrals_referral WHERE id = r.referral_id)"
    ),
    "cases_paneldecision": "(SELECT person_id FROM referrals_referral WHERE id = r.referral_id)",
    "cases_case": "r.person_id",
    "cases_caseshare": "(SELECT person_id FROM cases_case WHERE id = r.case_id)",
    "interventions_allocation": "(SELECT person_id FROM cases_case WHERE id = r.case_id)",
    "interventions_outcomerecord": "(SELECT person_id FROM cases_case WHERE id = r.case_id)",
    "interventions_contact": (
        "(SELECT c.person_id FROM interventions_allocation a JOIN cases_case c ON c.id = a.case_id"
        " WHERE a.id = r.allocation_id)"
    ),
}


def _function(table: str, expression: str) -> str:
    # Table names and expressions are this module's own constants, never input.
    return f"""
CREATE OR REPLACE FUNCTION figures_mark_{table}() RETURNS trigger AS $$
DECLARE
    r {table}%ROWTYPE;
    who uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    who := {expression};
    IF who IS NOT NULL THEN
        INSERT INTO figures_stalesubject (person_id) VALUES (who);
    END IF;
    IF TG_OP = 'UPDATE' THEN
        r := OLD;
        IF {expression} IS DISTINCT FROM who AND {expression} IS NOT NULL THEN
            INSERT INTO figures_stalesubject (person_id) VALUES ({expression});
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS figures_mark ON {table};
CREATE TRIGGER figures_mark AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION figures_mark_{table}();
"""  # noqa: S608


def _drop(table: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS figures_mark ON {table};"
        f" DROP FUNCTION IF EXISTS figures_mark_{table}();"
    )


DISCLOSURE_TRIGGER = """
CREATE OR REPLACE FUNCTION figures_mark_disclosure() RETURNS trigger AS $$
BEGIN
    INSERT INTO figures_stalesubject (person_id) VALUES (NEW.person_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS figures_mark ON audit_auditevent;
CREATE TRIGGER figures_mark AFTER INSERT ON audit_auditevent
    FOR EACH ROW WHEN (NEW.kind = 'disclosure' AND NEW.person_id IS NOT NULL)
    EXECUTE FUNCTION figures_mark_disclosure();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("figures", "0001_initial"),
        ("referrals", "0011_dash_marac_links"),
        ("cases", "0003_share_on_agreement_to_take_part"),
        ("interventions", "0003_prevention_18_and_under"),
        ("audit", "0004_ig_pages"),
    ]

    operations = [
        migrations.RunSQL(
            sql="".join(_function(t, e) for t, e in SOURCES.items()) + DISCLOSURE_TRIGGER,
            reverse_sql="".join(_drop(t) for t in SOURCES)
            + "DROP TRIGGER IF EXISTS figures_mark ON audit_auditevent;"
            " DROP FUNCTION IF EXISTS figures_mark_disclosure();",
        )
    ]
