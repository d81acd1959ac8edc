"""Re-encrypt every encrypted value under the newest key (``referrals.key_rotation``), with a
progress bar; ``--blind-indexes`` also rebuilds the blind indexes."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from referrals.key_rotation import BATCH_SIZE, rotate_keys, rows_to_rotate


class Command(BaseCommand):
    help = "Re-encrypt personal data under the newest key; --blind-indexes rebuilds the indexes."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument(
            "--blind-indexes",
            action="store_true",
            help="Also recompute every blind index (after changing BLIND_INDEX_KEY)",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bars")

    def handle(self, *args, batch_size, blind_indexes, no_progress, **options):
        total = rows_to_rotate(blind_indexes=blind_indexes)
        with tqdm(total=total, unit="row", disable=no_progress) as bar:
            rotation = rotate_keys(
                batch_size=batch_size, blind_indexes=blind_indexes, progress=bar.update
            )
        self.stdout.write(f"Re-encrypted {rotation.rewritten} rows under key {rotation.key}")
        if blind_indexes:
            self.stdout.write(f"Rebuilt blind indexes of {rotation.reindexed} people")
