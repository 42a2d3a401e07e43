"""Import CoE Starter Kit data: the DLP Editor's impact CSVs and Dataverse exports of the kit's tables.

Imported rows carry the tenant's own ids (app and flow GUIDs, environment names, Entra object
ids, connector ids), so a later sync updates them instead of adding duplicates. A file is
validated whole before one transaction writes it; a bad file writes nothing.
"""

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction

from .errors import CsvImportError
from .formats import FORMATS, detect_format
from .reader import read_text
from .validate import parse_text
from .write import write

__all__ = ["CsvImportError", "FORMATS", "ImportResult", "detect_format", "import_csv"]


@dataclass
class ImportResult:
    """What one file did: its format, its data rows and per kind the rows created and updated."""

    filename: str
    format: str
    rows: int
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self):
        """Return the result as plain data (for JSON)."""
        return asdict(self)

    def summary(self):
        """Return one line: the file, its format and the counts."""
        kinds = "; ".join(f"{kind} " + ", ".join(f"{n} {what}" for what, n in figures.items())
                          for kind, figures in self.counts.items())
        return f"{self.filename}: {self.format}, {self.rows} rows in {self.seconds:.2f} s: {kinds}"


def import_csv(file_obj_or_path, filename=""):
    """Validate a whole CSV file, then write it in one transaction; raise CsvImportError if it is bad."""
    started = time.monotonic()
    if not filename and isinstance(file_obj_or_path, (str, Path)):
        filename = Path(file_obj_or_path).name
    filename = filename or getattr(file_obj_or_path, "name", "") or ""
    parsed = parse_text(read_text(file_obj_or_path), Path(filename).name)
    with transaction.atomic():
        counts = write(parsed)
    return ImportResult(filename=filename, format=parsed.format.name, rows=len(parsed.records), counts=counts,
                        seconds=round(time.monotonic() - started, 3))
