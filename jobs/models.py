"""What procrastinate's own tables do not keep: why an attempt failed, and how far an
on-demand job has got. Both are keyed by procrastinate's job id."""

from django.conf import settings
from django.db import models


class Failure(models.Model):
    """One failed attempt of a job: procrastinate keeps a job's status and attempts, not its
    error. The error is its type and first line only (a database error's detail line can
    quote a value)."""

    job_id = models.BigIntegerField(db_index=True)
    task = models.CharField(max_length=60)
    attempt = models.PositiveSmallIntegerField()
    error = models.CharField(max_length=300)
    failed_at = models.DateTimeField()

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self):
        return f"Job {self.job_id} attempt {self.attempt} failed"


class Progress(models.Model):
    """An on-demand job an administrator started, and how far it has got. Updated from
    beside the job's own transaction, so the page sees a rebuild move while it runs."""

    job_id = models.BigIntegerField(unique=True)
    task = models.CharField(max_length=60)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.task} job {self.job_id}: {self.done} of {self.total}"

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))
