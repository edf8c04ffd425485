import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.storage import private_storage
from portal.models import ImportBatch
from portal.services.imports import FileRefused, import_file


class Command(BaseCommand):
    help = (
        "Import a Diskominfo file (CSV or XLSX) of elderly residents. The last line is "
        "'created=N updated=N unchanged=N rejected=N'; rejected and warned rows are listed in a "
        "CSV report. Exit 0 when the file was read, even with rejected rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would happen; write nothing."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="Processes that validate and encrypt rows beside the one that writes "
            "(PostgreSQL only; default: 2, or 1 on a single core).",
        )

    def handle(self, *args, path, dry_run, workers, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No file at {path}.")
        with source.open("rb") as stream:
            try:
                batch = import_file(
                    stream,
                    file_name=source.name,
                    channel=ImportBatch.Channel.CLI,
                    actor=None,
                    actor_label="cli:import_recipients",
                    dry_run=dry_run,
                    workers=max(1, workers),
                )
            except FileRefused as error:
                raise CommandError(f"Refused: {error}") from None
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        self.stdout.write(f"Report: {report_location(batch.report_file)}")
        self.stdout.write(batch.summary)


def report_location(name: str) -> str:
    """Where the report is, for the person at the terminal: its path on the local disk, or its
    name in the private bucket (object storage has no path; the import's page serves it)."""
    try:
        return private_storage().path(name)
    except NotImplementedError:
        return f"{name} (in the private object storage: download it from the import's page)"
