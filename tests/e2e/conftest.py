from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

TINY = [
    "--set",
    "demonstrations.n_expert_demos=4",
    "--set",
    "bc.n_epochs=2",
    "--set",
    "dagger.total_timesteps=1000",
    "--set",
    "total_timesteps=1024",
    "--set",
    "policy_evaluation.n_episodes_eval=5",
]
"""Overrides that make any run on seals_cartpole take seconds (suite and SLURM tests); the
suite passes each run only the keys its config has."""

TINY_BC = [
    "--set",
    "demonstrations.n_expert_demos=4",
    "--set",
    "bc.n_epochs=2",
    "--set",
    "policy_evaluation.n_episodes_eval=5",
]
"""TINY for suites of BC runs only (a key no run of the suite has is an error)."""


def run_cli(
    args: list[str], cwd: Path, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command of the installed package in ``cwd`` with the test's MLflow environment
    (and hub settings), plus ``env``."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("MLFLOW_RUN_ID", None)
    return subprocess.run(
        args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def cli_bin() -> Path:
    """The ``imitation-mlflow`` console script of this interpreter's environment."""
    return Path(sys.executable).parent / "imitation-mlflow"
