from django.core.management.base import BaseCommand

from audit.retention import apply_retention


class Command(BaseCommand):
    help = "Erase people whose records are all past retention (not under legal hold)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        plan = apply_retention(dry_run=dry_run)
        verb = "Would erase" if dry_run else "Erased"
        self.stdout.write(
            f"{verb} {plan.counts['people']} people, {plan.counts['referrals']} referrals, "
            f"{plan.counts['cases']} cases"
        )
