from django.core.management.base import BaseCommand
from tqdm import tqdm

from figures import store


class Command(BaseCommand):
    help = (
        "Rebuild the de-identified reporting store from every person's records, with a "
        "progress bar. Safe to run at any time: figures keep their old facts until it commits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=store.REBUILD_BATCH)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, batch, no_progress, **options):
        total = store.people_count()
        with tqdm(total=total, unit="people", disable=no_progress, file=self.stderr._out) as bar:
            rebuilt = store.rebuild(progress=bar.update, batch=batch)
        counts = ", ".join(f"{b.name}: {b.model.objects.count()}" for b in store.builders())
        self.stdout.write(f"Rebuilt the figures of {rebuilt} people ({counts or 'no facts'}).")
