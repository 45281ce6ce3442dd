"""Files a run leaves for people and for itself: the policy and reward nets, the full state.

``policy.zip`` loads like an expert (SB3 PPO zip); ``<reward>.pt`` are the learned reward
nets' state dicts; ``state.pt`` is everything training depends on, so that a killed run
continues exactly where its newest checkpoint was taken.
"""

from __future__ import annotations

from pathlib import Path

import torch
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.algorithms.base import (
    Algorithm,
    RewardLearner,
    global_rng_state,
    set_global_rng_state,
)
from imitation_mlflow.algorithms.policies import save_policy_zip

STATE_FILE = "state.pt"
POLICY_FILE = "policy.zip"


def write_policy_files(directory: Path, algorithm: Algorithm, venv: VecEnv) -> list[Path]:
    """Write ``policy.zip`` and each learned reward net (GAIL, AIRL) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [save_policy_zip(algorithm.policy, venv, directory / POLICY_FILE)]
    if isinstance(algorithm, RewardLearner):
        for name, module in algorithm.reward_modules().items():
            path = directory / f"{name}.pt"
            torch.save(module.state_dict(), path)
            paths.append(path)
    return paths


def write_checkpoint(directory: Path, algorithm: Algorithm, venv: VecEnv) -> list[Path]:
    """The policy files plus ``state.pt``: the algorithm's state and the global generators."""
    paths = write_policy_files(directory, algorithm, venv)
    state = {"algorithm": algorithm.state_dict(), "global_rng": global_rng_state()}
    torch.save(state, directory / STATE_FILE)
    return [*paths, directory / STATE_FILE]


def restore_checkpoint(directory: Path, algorithm: Algorithm) -> None:
    """Continue from a checkpoint: the algorithm's state and the global generators.

    ``algorithm`` is freshly built with the run's config; it and the generators go back to
    where :func:`write_checkpoint` found them.
    """
    # Our own file, written by write_checkpoint: it holds numpy arrays and plain objects.
    state = torch.load(directory / STATE_FILE, weights_only=False)
    algorithm.load_state_dict(state["algorithm"])
    set_global_rng_state(state["global_rng"])
