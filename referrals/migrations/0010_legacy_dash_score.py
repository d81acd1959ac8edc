from django.db import migrations


class Migration(migrations.Migration):
    """A typed DASH score is kept, as typed, under a name that says it is legacy: the Dash
    record (answers, score and band) replaces it and nothing accepts a typed score again."""

    dependencies = [("referrals", "0009_lawful_basis_names_sharing_rule")]

    # The check on the typed score names the field, so it goes before the rename (and comes
    # back after it, in 0011, on the new name); in reverse, the old check finds its field.
    operations = [
        migrations.RemoveConstraint(model_name="referral", name="dash_score_0_to_27"),
        migrations.RenameField("referral", "dash_score", "legacy_dash_score"),
        migrations.RenameField("historicalreferral", "dash_score", "legacy_dash_score"),
    ]
