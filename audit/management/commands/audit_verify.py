from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from audit.chain import seal, verify_chain
from audit.models import ChainHead


class Command(BaseCommand):
    help = (
        "Seal what is waiting, then walk the audit hash chain; exit non-zero at the first "
        "entry altered, removed or inserted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--no-seal", action="store_true", help="verify only what is sealed already"
        )

    def handle(self, *args, no_progress=False, no_seal=False, **options):
        if not no_seal:
            seal()
        head = ChainHead.objects.filter(pk=1).first()
        with tqdm(total=head.seq if head else 0, unit="entry", disable=no_progress) as bar:
            result = verify_chain(progress=bar.update)
        if not result.ok:
            raise CommandError(f"Audit chain BROKEN at entry {result.seq}: {result.problem}")
        waiting = f"; {result.unsealed} events wait to be sealed" if result.unsealed else ""
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {result.checked} entries{waiting}")
        )
