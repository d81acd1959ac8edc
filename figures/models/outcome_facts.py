from django.db import models

from referrals.models import ReferralArea
from referrals.pathways import Pathway


class OutcomeFact(models.Model):
    """One case's distance travelled on one outcome measure: its baseline and its latest
    follow-up, counted in the month of that follow-up. ``change`` is signed so that a
    positive change is better (``OutcomeMeasure.higher_is_better``). ``intervention_id`` is
    the catalogue entry whose allocation the latest follow-up (else the baseline) names."""

    subject = models.CharField(max_length=64, db_index=True)
    month = models.DateField()
    area = models.CharField(max_length=20, choices=ReferralArea.choices)
    pathway = models.CharField(max_length=30, choices=Pathway.choices)
    measure_id = models.IntegerField()
    intervention_id = models.IntegerField(null=True)
    baseline = models.DecimalField(max_digits=7, decimal_places=2)
    latest = models.DecimalField(max_digits=7, decimal_places=2)
    change = models.DecimalField(max_digits=7, decimal_places=2)
    baseline_on = models.DateField()
    latest_on = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["month", "area", "pathway"], name="outcome_fact_grain"),
            models.Index(fields=["measure_id", "month"], name="outcome_fact_measure"),
        ]

    def __str__(self):
        return f"Outcome fact {self.pk}"


class ReferralFollowUpFact(models.Model):
    """One submitted referral (drafts are not counted), in the month it was made: whether an
    intervention was allocated from it (an allocation on its case made on or after its
    referral date and before the person's next referral to that case) and whether the person
    was referred again within 12 months after it. Whether 12 months have passed is asked of
    ``referred_on`` when figures are read, since it changes with the date, not the records."""

    subject = models.CharField(max_length=64, db_index=True)
    month = models.DateField()
    area = models.CharField(max_length=20, choices=ReferralArea.choices)
    pathway = models.CharField(max_length=30, choices=Pathway.choices)
    referred_on = models.DateField()
    allocated = models.BooleanField()
    referred_again_within_12_months = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["month", "area", "pathway"], name="referral_follow_up_grain"),
        ]

    def __str__(self):
        return f"Referral follow-up fact {self.pk}"
