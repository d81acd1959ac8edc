from django.db import models

from figures.vocabulary import AgeBand, ScreeningOutcome


class ReferralFact(models.Model):
    """One submitted referral (drafts are not counted), as the figures count it: coarse
    categories and dates to the day, never a name, date of birth, identifier or free text.
    Built by ``figures.facts.referrals``."""

    # The person's keyed pseudonym (figures.store.subject_of): never output.
    subject = models.CharField(max_length=64, db_index=True)
    # The first day of the month the referral was submitted in.
    month = models.DateField()
    submitted_on = models.DateField()
    pathway = models.CharField(max_length=30)
    area = models.CharField(max_length=20)
    # Of the referring organisation (partners.OrganisationType).
    organisation_type = models.CharField(max_length=30)
    age_band = models.CharField(max_length=20, choices=AgeBand.choices)
    gender = models.CharField(max_length=20)
    ethnicity_group = models.CharField(max_length=30)
    disability = models.CharField(max_length=30)
    postcode_district = models.CharField(max_length=4, blank=True)

    screening_outcome = models.CharField(max_length=20, choices=ScreeningOutcome.choices)
    # The date of the screening decision that stands (none while unscreened or withdrawn).
    screened_on = models.DateField(null=True)
    # Returned to the referrer with questions at least once.
    ever_returned = models.BooleanField(default=False)
    # The latest panel decision (cases.DecisionOutcome), blank before any.
    panel_outcome = models.CharField(max_length=30, blank=True)
    decided_on = models.DateField(null=True)
    case_opened_on = models.DateField(null=True)
    allocated_on = models.DateField(null=True)
    started_on = models.DateField(null=True)
    first_attended_contact_on = models.DateField(null=True)
    completed = models.BooleanField(default=False)
    # Disengaged from an intervention and completed none.
    disengaged = models.BooleanField(default=False)
    # From joining a waiting list to being offered the place (none if never waitlisted, or
    # still waiting).
    waiting_list_days = models.PositiveIntegerField(null=True)
    marac_flag = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["month", "area", "pathway"], name="referralfact_grain")]

    def __str__(self):
        return f"Referral fact {self.pk} ({self.month:%Y-%m})"
