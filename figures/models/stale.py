from django.db import models
from django.db.models.functions import Now


class StaleSubject(models.Model):
    """A person whose facts no longer match their records.

    Written by database triggers (migration ``0001``) in the same transaction as the change to
    any table a figure is computed from, so a rolled-back change marks nobody and a committed
    one cannot be missed, whichever code path (``save``, ``update``, bulk) made it. No foreign
    key: a person erased under the retention schedule is marked so that their facts go too.
    """

    person_id = models.UUIDField(primary_key=True)
    marked_at = models.DateTimeField(db_default=Now(), editable=False)

    def __str__(self):
        return f"Stale facts since {self.marked_at:%Y-%m-%d %H:%M}"
