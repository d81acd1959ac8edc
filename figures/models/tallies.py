"""Tallies of the allocation, outcome, follow-up and sharing facts, kept in step with them
by their builders in the same transaction (``figures.tallies``): what the interventions,
outcomes and sharing sets read instead of the facts."""

from django.db import models

from figures.models.referral_tally import MeasureTally


class AllocationTally(models.Model):
    """Per month, area, pathway and catalogue entry: the allocations made that month and
    what became of them, the allocations completed that month, and the places first offered
    and ended that month (how many, and their days added up as days since ``EPOCH``), from
    which places held over any period and their days are worked out exactly."""

    month = models.DateField()
    area = models.CharField(max_length=20)
    pathway = models.CharField(max_length=30)
    intervention_id = models.IntegerField()
    allocations = models.IntegerField(default=0)
    started = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    disengaged = models.IntegerField(default=0)
    attended = models.BigIntegerField(default=0)
    missed = models.BigIntegerField(default=0)
    with_contacts = models.IntegerField(default=0)
    # Completed allocations that ended this month (whenever they were made).
    completions = models.IntegerField(default=0)
    # Places first offered this month, and their first days added up.
    places_from = models.IntegerField(default=0)
    from_days = models.BigIntegerField(default=0)
    # Places that ended this month, their last days added up, and those ending on its first.
    places_until = models.IntegerField(default=0)
    until_days = models.BigIntegerField(default=0)
    until_first_day = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "area", "pathway", "intervention_id"],
                name="one_allocation_tally_per_grain",
            )
        ]

    def __str__(self):
        return f"Allocations of {self.intervention_id} in {self.month:%Y-%m}: {self.allocations}"


class OutcomeTally(models.Model):
    """Per month, area, pathway, measure and intervention (none: null): how many outcome
    facts, and their changes and squared changes added up, exactly (``numeric``)."""

    month = models.DateField()
    area = models.CharField(max_length=20)
    pathway = models.CharField(max_length=30)
    measure_id = models.IntegerField()
    intervention_id = models.IntegerField(null=True)
    n = models.IntegerField(default=0)
    change_sum = models.DecimalField(max_digits=24, decimal_places=2, default=0)
    change_squares = models.DecimalField(max_digits=30, decimal_places=4, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "area", "pathway", "measure_id", "intervention_id"],
                name="one_outcome_tally_per_grain",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"Outcomes of measure {self.measure_id} in {self.month:%Y-%m}: {self.n}"


class FollowUpTally(models.Model):
    """Per day referred, area, pathway and whether allocated: how many referral follow-up
    facts, and how many were referred again within 12 months. By day, because whether 12
    months have passed is asked of the day when figures are read."""

    referred_on = models.DateField()
    month = models.DateField()
    area = models.CharField(max_length=20)
    pathway = models.CharField(max_length=30)
    allocated = models.BooleanField()
    n = models.IntegerField(default=0)
    again = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referred_on", "month", "area", "pathway", "allocated"],
                name="one_follow_up_tally_per_grain",
            )
        ]
        indexes = [models.Index(fields=["month", "area", "pathway"], name="follow_up_tally_grain")]

    def __str__(self):
        return f"Follow-ups of {self.referred_on}: {self.n}"


class SharingTally(MeasureTally):
    """The sharing facts' tally (``figures.facts.sharing.TALLY`` says which measures), as
    ``ReferralTally`` is the referrals'; a sharing rule's id is longer than a category."""

    value = models.CharField(max_length=80, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "month", "area", "pathway", "value"],
                name="one_sharing_tally_per_value",
            )
        ]
