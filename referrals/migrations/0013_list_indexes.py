"""Indexes for the referral lists' keyset pages (see Referral.Meta.indexes), built
concurrently: at national scale a plain CREATE INDEX would block referrals being made for
as long as it takes to read two million rows."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0012_person_equality_information"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(fields=["created_at", "id"], name="referral_created"),
        ),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["organisation", "created_at", "id"], name="referral_org_created"
            ),
        ),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["status", "created_at", "id"], name="referral_status_created"
            ),
        ),
        AddIndexConcurrently(
            model_name="referral",
            index=models.Index(
                fields=["pathway", "created_at", "id"], name="referral_pathway_created"
            ),
        ),
        AddIndexConcurrently(
            model_name="referral",
            # referrals.models.risk_rank() as it stands (a migration keeps its own copy).
            index=models.Index(
                models.Case(
                    models.When(risk_level="high", then=models.Value(0)),
                    models.When(risk_level="medium", then=models.Value(1)),
                    models.When(risk_level="standard", then=models.Value(2)),
                    default=models.Value(3),
                    output_field=models.IntegerField(),
                ),
                models.F("submitted_at"),
                models.F("id"),
                condition=models.Q(("status", "submitted")),
                name="referral_screening_queue",
            ),
        ),
    ]
