from django.db import migrations


class Migration(migrations.Migration):
    """A typed DASH score is kept, as typed, under a name that says it is legacy: the Dash
    record (answers, score and band) replaces it and nothing accepts a typed score again."""

    dependencies = [("referrals", "0009_lawful_basis_names_sharing_rule")]

    operations = [
        migrations.RenameField("referral", "dash_score", "legacy_dash_score"),
        migrations.RenameField("historicalreferral", "dash_score", "legacy_dash_score"),
    ]
