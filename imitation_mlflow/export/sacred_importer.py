"""The sacred layout -> MLflow: ``import sacred PATH`` (a folder or a zip)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tqdm.auto import tqdm

from imitation_mlflow.errors import UserError
from imitation_mlflow.export.sacred_records import read_records
from imitation_mlflow.tracking.contract import IMPORT_DIGEST_TAG
from imitation_mlflow.tracking.records import create_run, imported_digests

SHOWN = 3
"""How many skipped or refused entries a summary names."""


@dataclasses.dataclass(frozen=True)
class ImportSummary:
    """What an import did."""

    imported: int
    already_there: int
    skipped: list[str]
    """Corrupt or partial run folders."""
    refused: list[str]
    """Entries pointing outside the input."""


def import_sacred(path: Path, experiment: str, *, progress: bool = True) -> ImportSummary:
    """Make an MLflow run in ``experiment`` of every sacred run folder under ``path``.

    Runs carry the tags and metrics of a native run; a run imported before (same
    ``run.json`` and ``config.json``) is not imported again.
    """
    scan = read_records(path, full=True)
    if not (scan.records or scan.skipped or scan.refused):
        raise UserError(
            f"no sacred run folders (run.json with config.json) under {str(path)!r}; pass the "
            "folder `export sacred` wrote, a sacred FileStorageObserver folder, or a .zip of one"
        )
    known = imported_digests(experiment)
    new = [r for r in scan.records if r.tags[IMPORT_DIGEST_TAG] not in known]
    for record in tqdm(new, desc="import", unit="run", disable=not progress or len(new) < 20):
        create_run(experiment, record)
    return ImportSummary(len(new), len(scan.records) - len(new), scan.skipped, scan.refused)
