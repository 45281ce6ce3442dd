"""Shared fixtures: a per-session cache, a real SQLite MLflow store per test, a tiny env, and
a stand-in Hugging Face hub (no test ever reaches the real one)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from huggingface_hub import constants as hf_constants

from tests.hub_server import StandInHub

os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One platform cache per test session (random-policy scores are measured once)."""
    path = tmp_path_factory.mktemp("cache")
    os.environ["IMITATION_MLFLOW_CACHE"] = str(path)
    return path


def _set_hub(monkeypatch: pytest.MonkeyPatch, endpoint: str, home: Path, offline: bool) -> None:
    """Point huggingface_hub at ``endpoint`` with its cache under ``home``, in this process
    (its constants are read at import) and for subprocesses (the environment)."""
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    if offline:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    else:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hf_constants, "ENDPOINT", endpoint)
    monkeypatch.setattr(
        hf_constants,
        "HUGGINGFACE_CO_URL_TEMPLATE",
        endpoint + "/{repo_id}/resolve/{revision}/{filename}",
    )
    monkeypatch.setattr(hf_constants, "HF_HOME", str(home))
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", offline)


@pytest.fixture(autouse=True)
def no_real_hub(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs offline against an unreachable hub with an empty cache of its own."""
    _set_hub(monkeypatch, "http://127.0.0.1:9", tmp_path_factory.mktemp("hf_home"), offline=True)


@pytest.fixture
def offline_hub(monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], None]:
    """Switch ``HF_HUB_OFFLINE`` on or off for the rest of the test (same endpoint, same cache)."""

    def switch(offline: bool) -> None:
        if offline:
            monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        else:
            monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", offline)

    return switch


@pytest.fixture
def hub(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StandInHub]:
    """A stand-in hub on 127.0.0.1 (online, empty cache) holding nothing until a test adds files."""
    server = StandInHub().start()
    _set_hub(monkeypatch, server.url, tmp_path_factory.mktemp("hf_home"), offline=False)
    yield server
    server.stop()


@pytest.fixture
def mlflow_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite tracking store in ``tmp_path`` (artifacts beside it); cwd moved there."""
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    import mlflow

    mlflow.set_tracking_uri(uri)
    yield uri
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
