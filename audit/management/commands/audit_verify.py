from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.chain import verify_chain
from audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Walk the audit hash chain; exit non-zero at the first entry altered, removed or inserted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, no_progress=False, **options):
        total = AuditEvent.objects.count()
        with tqdm(total=total, unit="entry", disable=no_progress) as bar:
            result = verify_chain(progress=bar.update)
        if not result.ok:
            raise CommandError(f"Audit chain BROKEN at entry {result.seq}: {result.problem}")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} entries"))
