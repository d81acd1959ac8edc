from django.db import models

from interventions.models import AllocationStatus, InterventionType
from referrals.models import ReferralArea
from referrals.pathways import Pathway


class AllocationFact(models.Model):
    """One allocation of an intervention, counted in the month it was made.

    ``intervention_id`` and ``provider_id`` are catalogue and partner-organisation ids (not
    about the person); dates are to the day. A place is held from ``place_from`` (the day it
    was first offered) up to, not including, ``place_until`` (the day it ended; empty while
    it is still held)."""

    subject = models.CharField(max_length=64, db_index=True)
    month = models.DateField()
    area = models.CharField(max_length=20, choices=ReferralArea.choices)
    pathway = models.CharField(max_length=30, choices=Pathway.choices)
    intervention_id = models.IntegerField()
    provider_id = models.IntegerField()
    intervention_type = models.CharField(max_length=40, choices=InterventionType.choices)
    status = models.CharField(max_length=20, choices=AllocationStatus.choices)
    offered = models.BooleanField()
    started = models.BooleanField()
    completed = models.BooleanField()
    disengaged = models.BooleanField()
    declined = models.BooleanField()
    withdrawn = models.BooleanField()
    attended_contacts = models.PositiveIntegerField()
    missed_contacts = models.PositiveIntegerField()
    cancelled_contacts = models.PositiveIntegerField()
    allocated_on = models.DateField()
    place_from = models.DateField(null=True)
    place_until = models.DateField(null=True)
    started_on = models.DateField(null=True)
    ended_on = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["month", "area", "pathway"], name="allocation_fact_grain"),
            models.Index(fields=["intervention_id", "month"], name="allocation_fact_intervention"),
        ]

    def __str__(self):
        return f"Allocation fact {self.pk}"
