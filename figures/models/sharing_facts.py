from django.contrib.postgres.fields import ArrayField
from django.db import models

from partners.models import OrganisationType
from referrals.models import ReferralArea
from referrals.pathways import Pathway
from sharing.vocabulary import DataCategory, Purpose


class SharingFactKind(models.TextChoices):
    DISCLOSURE = "disclosure", "Disclosure to another organisation"
    LAWFUL_BASIS = "lawful_basis", "Lawful basis to proceed without consent"
    CONSENT_DECLINED = "consent_declined", "Consent refused or withdrawn"
    MARAC_FLAG = "marac_flag", "Referral meeting a MARAC criterion"
    MARAC_REFERRAL = "marac_referral", "Referral to MARAC"


class SharingFact(models.Model):
    """One counted act of lawful sharing, de-identified (``figures.facts.sharing``).

    ``kind`` says which: a disclosure in the ledger (``rule`` is the sharing rule relied on,
    the gateway columns the layers it relied on, ``recipient_type`` the recipient's kind of
    organisation, never the organisation); a lawful basis to proceed without consent
    (``rule`` is its ground, ``status`` its approval status); a consent refused or withdrawn
    (``status`` is the decision); a referral flagged for MARAC; a referral to MARAC
    (``repeat``). Gateway columns hold ``figures.facts.sharing.gateway_key`` values: a
    finite catalogue drawn from ``sharing.rules``, never free text."""

    subject = models.CharField(max_length=64, db_index=True)
    month = models.DateField()
    area = models.CharField(max_length=20, choices=ReferralArea.choices)
    pathway = models.CharField(max_length=30, choices=Pathway.choices)
    kind = models.CharField(max_length=20, choices=SharingFactKind.choices)
    purpose = models.CharField(max_length=30, choices=Purpose.choices, blank=True)
    rule = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, blank=True)
    recipient_type = models.CharField(max_length=30, choices=OrganisationType.choices, blank=True)
    data_categories = ArrayField(
        models.CharField(max_length=30, choices=DataCategory.choices), default=list, blank=True
    )
    article_6 = models.CharField(max_length=24, blank=True)
    article_9 = models.CharField(max_length=24, blank=True)
    article_10 = models.CharField(max_length=24, blank=True)
    part_3 = models.CharField(max_length=24, blank=True)
    power = models.CharField(max_length=24, blank=True)
    repeat = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["month", "area", "pathway"], name="sharingfact_grain"),
            # Every figure of the set is read from this index alone (an index-only scan):
            # facts are written a person at a time, so one month's rows are spread over the
            # whole table, and reading them from the heap costs seconds at millions of rows.
            models.Index(
                fields=["kind", "month", "area", "pathway"],
                include=[
                    "rule",
                    "purpose",
                    "status",
                    "repeat",
                    "recipient_type",
                    "article_6",
                    "article_9",
                    "article_10",
                    "part_3",
                    "power",
                ],
                name="sharingfact_covering",
            ),
        ]

    def __str__(self):
        return f"Sharing fact ({self.kind}, {self.month:%Y-%m})"
