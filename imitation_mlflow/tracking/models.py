"""Policies as MLflow models: an SB3 zip inside a pyfunc model that maps observations to actions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.pyfunc import PythonModel, PythonModelContext
from mlflow.tracking import MlflowClient

SB3_ARTIFACT = "sb3_zip"


class SB3PolicyModel(PythonModel):  # type: ignore[misc]
    """Serves an SB3 PPO zip: ``predict(observations) -> actions`` (deterministic default)."""

    # predict has no type hints on purpose (MLflow would read them as an input schema; the
    # logged signature is the schema). This is MLflow's switch for such models; without it
    # every command that imports this module prints "Add type hints to `predict`".
    _skip_type_hint_validation = True

    def load_context(self, context: PythonModelContext) -> None:
        """Load the SB3 model from the zip stored with the MLflow model."""
        from stable_baselines3 import PPO

        self.model = PPO.load(context.artifacts[SB3_ARTIFACT], device="cpu")

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        """Actions for a ``(batch, *obs_shape)`` array (or DataFrame of flat observations)."""
        obs = model_input.to_numpy() if isinstance(model_input, pd.DataFrame) else model_input
        obs = np.asarray(obs, dtype=np.float32)
        deterministic = bool((params or {}).get("deterministic", True))
        actions, _ = self.model.predict(obs, deterministic=deterministic)
        return np.asarray(actions)


def log_policy_model(
    run_id: str, zip_path: Path, obs_example: np.ndarray, act_example: np.ndarray, name: str
) -> str:
    """Log the SB3 zip at ``zip_path`` as pyfunc model ``name`` of run ``run_id``; its URI.

    ``obs_example`` ``(batch, *obs_shape)`` and ``act_example`` ``(batch, *act_shape)`` give
    the model's signature.
    """
    with _active(run_id):
        return _log_model(zip_path, obs_example, act_example, name)


@contextlib.contextmanager
def _active(run_id: str) -> Iterator[None]:
    """Make ``run_id`` MLflow's active run for the block: model logging links to that run.

    Leaving the block marks the run FINISHED; its owner sets the real status when it ends.
    """
    active = mlflow.active_run()
    if active is not None and active.info.run_id == run_id:
        yield
        return
    mlflow.start_run(run_id=run_id, nested=active is not None)
    try:
        yield
    finally:
        mlflow.end_run()


def _log_model(zip_path: Path, obs_example: np.ndarray, act_example: np.ndarray, name: str) -> str:
    info = mlflow.pyfunc.log_model(
        signature=infer_signature(obs_example, act_example),
        input_example=obs_example,
        name=name,
        python_model=str(Path(__file__).with_name("sb3_model_code.py")),
        artifacts={SB3_ARTIFACT: str(zip_path)},
        pip_requirements=_requirements(),
    )
    return str(info.model_uri)


def register_model(model_uri: str, name: str, tags: dict[str, str]) -> str:
    """Register ``model_uri`` as a new version of the registered model ``name``; its version.

    ``tags`` go on the version (e.g. the expert's return), so the registry alone says how
    good each version is.
    """
    version = mlflow.register_model(model_uri, name, tags=tags)
    return str(version.version)


def best_registered_zip(name: str, download_root: Path) -> tuple[Path, str, float | None] | None:
    """The zip, ``models:/`` URI and recorded return of the strongest version of ``name``.

    Lets a run use an expert that someone trained against the same tracking server (e.g. a
    lab's shared one) without copying files around. The version with the highest recorded
    return wins (the newest among versions without one), so a weak expert registered later
    does not take over. ``None`` when no such model is registered or the store has no
    registry. Each version is downloaded once, into ``download_root/<name>/<version>``.
    """
    tracking_uri = mlflow.get_tracking_uri()
    if tracking_uri.startswith("sqlite:///") and not Path(tracking_uri[10:]).is_file():
        return None  # no store yet: asking would create an empty one
    client = MlflowClient()
    try:
        versions = client.search_model_versions(f"name = '{name}'")
    except MlflowException:
        return None
    if not versions:
        return None
    best = max(versions, key=_strength)
    uri = f"models:/{name}/{best.version}"
    target = download_root / name / str(best.version)
    zips = sorted(target.rglob("*.zip")) if target.is_dir() else []
    if not zips:
        local = mlflow.artifacts.download_artifacts(uri, dst_path=str(target))
        zips = sorted(Path(local).rglob("*.zip"))
    return (zips[0], uri, _recorded_return(best)) if zips else None


def _strength(version: Any) -> tuple[bool, float, int]:
    """Versions with a recorded return first, by return; then the newest."""
    recorded = _recorded_return(version)
    return recorded is not None, recorded or 0.0, int(version.version)


def _recorded_return(version: Any) -> float | None:
    try:
        return float(version.tags["return"])
    except (KeyError, ValueError):
        return None


def load_policy_model(model_uri: str) -> Any:
    """Load a policy logged by :func:`log_policy_model` as a pyfunc model."""
    return mlflow.pyfunc.load_model(model_uri)


def _requirements() -> list[str]:
    from importlib.metadata import version

    return [
        f"{package}=={version(package)}"
        for package in ("stable-baselines3", "torch", "gymnasium", "numpy", "mlflow")
    ]
