"""The sacred layout (the published benchmark's output folders): the only code that knows it.

``sacred_records`` reads run folders (no MLflow import, so summaries of folders start fast),
``sacred_importer`` / ``sacred_exporter`` move runs between the layout and MLflow.
"""

from imitation_mlflow.export.sacred_records import SACRED_STATUS, RecordScan, read_records

__all__ = ["SACRED_STATUS", "RecordScan", "read_records"]
