"""The sacred layout (the published benchmark's output folders): the only code that knows it."""

from imitation_mlflow.export.sacred_reader import FolderScan, read_run_folders

__all__ = ["FolderScan", "read_run_folders"]
