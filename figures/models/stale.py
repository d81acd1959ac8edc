from django.db import models
from django.db.models.functions import Now


class StaleSubject(models.Model):
    """A change to someone's records that the reporting store has yet to fold in.

    Written by database triggers (migration ``0002``) in the same transaction as the change to
    any table a figure is computed from, so a rolled-back change marks nobody and a committed
    one cannot be missed, whichever code path (``save``, ``update``, bulk) made it. Append-only
    (one row per change, no unique key), so a writer never waits on a reader folding the same
    person in. No foreign key: a person erased under the retention schedule is marked so that
    their facts go too.
    """

    id = models.BigAutoField(primary_key=True)
    person_id = models.UUIDField()
    marked_at = models.DateTimeField(db_default=Now(), editable=False)

    def __str__(self):
        return f"Stale facts since {self.marked_at:%Y-%m-%d %H:%M}"
