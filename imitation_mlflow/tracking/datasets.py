"""Demonstrations as MLflow dataset inputs of a run (name, source URI, digest)."""

from __future__ import annotations

import warnings

from mlflow.data.dataset_source_registry import resolve_dataset_source
from mlflow.data.meta_dataset import MetaDataset
from mlflow.entities import DatasetInput, InputTag
from mlflow.tracking import MlflowClient

CONTEXT_TAG = "mlflow.data.context"


def log_dataset_input(
    client: MlflowClient, run_id: str, *, name: str, source_uri: str, digest: str
) -> None:
    """Record that run ``run_id`` trained on the dataset at ``source_uri`` (file or http URI).

    ``digest`` identifies the exact data (the demonstrations cache key, or the hub commit),
    so two runs on the same demonstrations show the same dataset in MLflow.
    """
    with warnings.catch_warnings():
        # MLflow registers its local artifact source twice and warns that the URI is ambiguous.
        warnings.filterwarnings("ignore", message=".*can be interpreted in multiple ways.*")
        source = resolve_dataset_source(source_uri)
    # MetaDataset's ``profile`` is an abstract property in the stubs, a plain None at runtime.
    dataset = MetaDataset(source=source, name=name, digest=digest)  # type: ignore[abstract]
    client.log_inputs(
        run_id,
        datasets=[
            DatasetInput(
                dataset._to_mlflow_entity(), tags=[InputTag(key=CONTEXT_TAG, value="training")]
            )
        ],
    )
