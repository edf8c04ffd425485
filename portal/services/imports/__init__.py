"""The Diskominfo import: one pipeline behind every door (CLI, upload page, API, manual form).

``docs/import-format.md`` is the specification; each rule names it.
Files are streamed (CSV line by line, XLSX through openpyxl's read-only mode) and written in
chunks, so memory does not grow with the file, apart from a set of 8-byte digests that finds a
NIK repeated within one file.
"""

from .pipeline import import_file, import_finished_notify, import_rows
from .reading import FileRefused
from .writing import Outcome

__all__ = [
    "FileRefused",
    "Outcome",
    "import_file",
    "import_finished_notify",
    "import_rows",
]
