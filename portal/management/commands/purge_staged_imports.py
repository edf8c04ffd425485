from django.core.management.base import BaseCommand

from portal.services.staging import staged_imports_purge


class Command(BaseCommand):
    help = (
        "Delete uploaded import files staged more than 24 hours ago without being confirmed "
        "(Celery beat runs this every hour; the command is for a server without a worker)."
    )

    def handle(self, *args, **options):
        deleted = staged_imports_purge()
        self.stdout.write(f"deleted={deleted}")
