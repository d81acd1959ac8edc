from django.core.management.base import BaseCommand

from api.idempotency import prune_idempotency_records


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key answers older than a day (run daily)."

    def handle(self, *args, **options):
        deleted = prune_idempotency_records()
        self.stdout.write(f"Deleted {deleted} idempotency records")
