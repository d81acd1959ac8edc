from django.db import models


class MeasureTally(models.Model):
    """How many facts of one month, area and pathway have each value of a measure (a
    category such as ``gender``, a stage of the funnel, or the days a step took), kept in
    step with the facts by their builder in the same transaction (``figures.tallies``). The
    figure sets read these few thousand rows instead of scanning millions of facts."""

    month = models.DateField()
    area = models.CharField(max_length=20)
    pathway = models.CharField(max_length=30)
    measure = models.CharField(max_length=30)
    value = models.CharField(max_length=30, blank=True)
    n = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.measure}={self.value}: {self.n}"


class ReferralTally(MeasureTally):
    """The referral facts' tally (``figures.facts.referrals.TALLY``)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "month", "area", "pathway", "value"],
                name="one_tally_per_value",
            )
        ]
