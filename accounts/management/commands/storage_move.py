"""Copy the uploads on this host's disk into the object store (STORAGE_BACKEND=s3).

    python manage.py storage_move --dry-run     # what would be copied
    python manage.py storage_move               # copy

Private files (PRIVATE_MEDIA_ROOT) go to the private bucket, public photos (MEDIA_ROOT) to the
public one, each under the same name, so the database's file fields stay valid. Idempotent: an
object already there with the same size is skipped, so an interrupted run is simply run again;
one of another size (a partial copy) is replaced. Nothing on disk is deleted: remove the folders
yourself once the portal runs on the store (docs/operations.md, "Object storage").
"""

from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Copy uploads from this host's disk into the object store (private and public)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report, copy nothing.")
        parser.add_argument("--private-root", type=Path, default=None)
        parser.add_argument("--media-root", type=Path, default=None)

    def handle(self, *args, dry_run: bool, private_root, media_root, **options):
        plan = [
            ("private", Path(private_root or settings.PRIVATE_MEDIA_ROOT), storages["private"]),
            ("public", Path(media_root or settings.MEDIA_ROOT), storages["default"]),
        ]
        for label, _root, storage in plan:
            if isinstance(storage, FileSystemStorage):
                raise CommandError(
                    f"The {label} storage is this host's disk (STORAGE_BACKEND=local): "
                    "set STORAGE_BACKEND=s3 and the bucket settings first."
                )
        for label, root, storage in plan:
            copied, skipped = self.move(root, storage, dry_run=dry_run)
            verb = "would copy" if dry_run else "copied"
            self.stdout.write(f"{label}: {verb} {copied}, already there {skipped} ({root})")

    def move(self, root: Path, storage: Storage, *, dry_run: bool) -> tuple[int, int]:
        copied = skipped = 0
        if not root.is_dir():
            return copied, skipped
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            size = path.stat().st_size
            if storage.exists(name):
                if storage.size(name) == size:
                    skipped += 1
                    continue
                if not dry_run:
                    storage.delete(name)  # a partial copy from an interrupted run
            copied += 1
            if dry_run:
                continue
            with path.open("rb") as handle:
                stored = storage.save(name, File(handle))
            if stored != name:
                raise CommandError(f"{name} was stored as {stored}; stopped.")
        return copied, skipped
