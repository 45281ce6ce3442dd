"""Seeded vectorized seals environments with Monitor for true returns, and their exact state."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from typing import Any

import gymnasium as gym
import mujoco
import seals  # noqa: F401  (registers the seals/* environment ids)
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv

from imitation_mlflow.config.sections import EnvironmentConfig
from imitation_mlflow.errors import UserError

# Box bounds of some seals envs are float64 and get cast; harmless and noisy.
warnings.filterwarnings("ignore", message=".*precision lowered by casting.*")

MAX_ROLLOUT_ENVS = 64
"""Most env copies used to roll out demonstrations or evaluation episodes at once."""


class _StepInfos(list[dict[str, Any]]):
    """The info dicts of one vectorized step, copied cheaply.

    ``DummyVecEnv`` hands out ``deepcopy(buf_infos)`` on every step (~15% of a MuJoCo
    step). Each env returns a new info dict (and new arrays) per step and nothing changes
    them afterwards, so copying each dict is enough to keep the buffer and what callers
    hold apart.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> list[dict[str, Any]]:
        return [dict(info) for info in self]


class InProcessVecEnv(DummyVecEnv):
    """SB3's ``DummyVecEnv`` with the per-step info copy of :class:`_StepInfos`."""

    def __init__(self, env_fns: list[Any]) -> None:
        super().__init__(env_fns)
        self.buf_infos = _StepInfos(self.buf_infos)


def check_env_id(gym_id: str) -> None:
    """Fail early, listing seals ids, when ``gym_id`` is not a registered environment."""
    if gym_id not in gym.registry:
        seals_ids = sorted(k for k in gym.registry if k.startswith("seals/"))
        raise UserError(
            f"unknown environment id {gym_id!r}; registered seals ids: {', '.join(seals_ids)}"
        )


def make_venv(
    gym_id: str,
    *,
    num_vec: int,
    seed: int,
    parallel: bool = False,
    max_episode_steps: int | None = None,
) -> VecEnv:
    """Create ``num_vec`` copies of ``gym_id``, each wrapped in Monitor, seeded from ``seed``.

    Environments run in-process by default: on a few cores, subprocess workers cost
    more to start and to talk to than the physics they run.
    """
    check_env_id(gym_id)
    env_kwargs: dict[str, Any] = {"gym_id": gym_id}
    if max_episode_steps:
        env_kwargs["max_episode_steps"] = max_episode_steps
    return make_vec_env(
        _make_env,  # not the id: a subprocess worker must import seals to know it
        n_envs=num_vec,
        seed=seed,
        env_kwargs=env_kwargs,
        vec_env_cls=SubprocVecEnv if parallel else InProcessVecEnv,
    )


def venv_from_config(environment: EnvironmentConfig, *, num_vec: int, seed: int) -> VecEnv:
    """``num_vec`` copies of the environment ``environment`` describes, seeded from ``seed``."""
    return make_venv(
        environment.gym_id,
        num_vec=num_vec,
        seed=seed,
        parallel=environment.parallel,
        max_episode_steps=environment.max_episode_steps,
    )


def _make_env(gym_id: str, **kwargs: Any) -> gym.Env:
    """One copy of ``gym_id``; importing this module registered the seals ids."""
    return gym.make(gym_id, **kwargs)


def rollout_num_vec(episodes: int, configured: int | None = None) -> int:
    """Env copies rolling out ``episodes`` whole episodes.

    ``configured``, else one per episode (at most ``MAX_ROLLOUT_ENVS``), so the policy acts
    on one batch per time step.
    """
    return configured or min(episodes, MAX_ROLLOUT_ENVS)


def _layers(env: gym.Env) -> Iterator[Any]:
    layer: Any = env
    while layer is not None:
        yield layer
        layer = getattr(layer, "env", None)


def _layer_state(layer: Any) -> dict[str, Any]:
    """A wrapper's (or the env's) attributes, but the wrapped env and what never changes.

    A MuJoCo env's ``MjData`` is kept whole: besides the state it integrates from, it holds
    the positions computed during the last step, which some envs read before the next one
    (Ant's reward uses its body's previous ``xpos``).
    """
    skip = ("env", "mujoco_renderer")
    return {
        key: value
        for key, value in vars(layer).items()
        if key not in skip and not isinstance(value, mujoco.MjModel)
    }


EnvStates = dict[str, Any]
"""The saved state of a vectorized env: its pending reset seeds and each copy's layers."""


def env_states(venv: VecEnv) -> EnvStates | None:
    """The exact state of each in-process env copy.

    Every wrapper's attributes (Monitor's episode so far, the time limit's step count, the
    env's generator) and MuJoCo's simulation.

    A copy: the envs go on unaffected. ``None`` for subprocess envs, whose state cannot be
    read from here.
    """
    if not isinstance(venv, DummyVecEnv):
        return None
    copies = [[_layer_state(layer) for layer in _layers(env)] for env in venv.envs]
    # The seeds and options VecEnv.seed() left for the next reset() are state too.
    return copy.deepcopy({"seeds": venv._seeds, "options": venv._options, "copies": copies})


def set_env_states(venv: VecEnv, states: EnvStates) -> None:
    """Put each env copy of ``venv`` (built like the one saved) back into its saved state."""
    assert isinstance(venv, DummyVecEnv), "saved states come from in-process envs"
    venv._seeds, venv._options = states["seeds"], states["options"]
    for env, layer_states in zip(venv.envs, states["copies"], strict=True):
        for layer, state in zip(_layers(env), layer_states, strict=True):
            for key, value in state.items():
                setattr(layer, key, value)
