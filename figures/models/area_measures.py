from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class MeasureKind(models.TextChoices):
    """The Serious Violence Duty's area-level measures the partnership imports. The first
    three are the Home Office's core measures of serious violence (Serious Violence Duty:
    statutory guidance, December 2022, "measuring success"); the costs are the strategic
    needs assessment's."""

    SHARP_OBJECT_ADMISSIONS = (
        "sharp_object_admissions",
        "Hospital admissions for assault with a sharp object",
    )
    KNIFE_CRIME = "knife_crime", "Police-recorded knife and sharp-object serious violence"
    HOMICIDES = "homicides", "Homicides"
    ANNUAL_COST = "annual_cost", "Annual cost of serious violence (£)"
    COST_PER_RESIDENT = "cost_per_resident", "Cost of serious violence per resident (£)"
    OTHER = "other", "Another measure (named)"


# The unit each measure is counted in, unless the file says otherwise.
DEFAULT_UNITS = {
    MeasureKind.SHARP_OBJECT_ADMISSIONS: "admissions",
    MeasureKind.KNIFE_CRIME: "offences",
    MeasureKind.HOMICIDES: "homicides",
    MeasureKind.ANNUAL_COST: "£",
    MeasureKind.COST_PER_RESIDENT: "£ per resident",
}


class MeasureArea(models.TextChoices):
    """Where a measure is counted: one of the referral areas, or the whole partnership."""

    DURHAM = "durham", "County Durham"
    DARLINGTON = "darlington", "Darlington"
    COUNTYWIDE = "countywide", "County Durham and Darlington (whole partnership)"


class AreaMeasure(models.Model):
    """A published aggregate statistic about serious violence in an area over whole months
    (a year's figure spans twelve), with its source. Not personal data: it is imported from
    published reports (``figures.measures.area_measures_import``) and shown unsuppressed."""

    measure = models.CharField(max_length=40, choices=MeasureKind.choices)
    # The name of a measure outside the list (``MeasureKind.OTHER``); blank otherwise.
    other_name = models.CharField(max_length=200, blank=True)
    area = models.CharField(max_length=20, choices=MeasureArea.choices)
    # The first day of the first month and the last day of the last month.
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=2)
    unit = models.CharField(max_length=40)
    source = models.CharField(max_length=300)
    source_date = models.DateField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "other_name", "area", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "other_name", "area", "period_start", "period_end"],
                name="one_area_measure_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="area_measure_period_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.get_area_display()}, {self.period_start:%Y-%m}"

    @property
    def name(self) -> str:
        if self.measure == MeasureKind.OTHER:
            return self.other_name
        return MeasureKind(self.measure).label

    @property
    def months(self) -> int:
        return (
            (self.period_end.year - self.period_start.year) * 12
            + self.period_end.month
            - self.period_start.month
            + 1
        )
