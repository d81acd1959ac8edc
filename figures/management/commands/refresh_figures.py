from django.core.management.base import BaseCommand

from figures import store


class Command(BaseCommand):
    help = "Fold every person whose records changed since into the reporting store."

    def handle(self, *args, **options):
        waiting = store.stale_count()
        folded = store.refresh_stale()
        self.stdout.write(f"Folded in the changes of {folded} people ({waiting} were waiting).")
