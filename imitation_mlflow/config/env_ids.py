"""Every spelling of an environment: gym id, environment config name, and the hub / file names.

``seals/HalfCheetah-v1`` (gym id) is ``seals_half_cheetah`` (its environment config) and
``seals-HalfCheetah-v1`` wherever a ``/`` cannot stand: hub repos (``ppo-seals-HalfCheetah-v1``),
registered models (``expert-seals-HalfCheetah-v1``) and exported folders.
"""

from __future__ import annotations

import functools

from imitation_mlflow.config.resolve import named_configs
from imitation_mlflow.errors import unknown_choice

MUJOCO_ENVS = ("seals_ant", "seals_half_cheetah", "seals_hopper", "seals_swimmer", "seals_walker")
"""The five environments of the published benchmark (what ``--envs all`` means)."""


def slug(gym_id: str) -> str:
    """``seals/HalfCheetah-v1`` -> ``seals-HalfCheetah-v1``: the gym id where ``/`` cannot stand."""
    return gym_id.replace("/", "-")


def repo_name(gym_id: str, kind: str = "ppo") -> str:
    """Hub repo name of an expert (``ppo-seals-HalfCheetah-v1``) or a random-policy dataset."""
    return f"{kind}-{slug(gym_id)}"


def gym_id_of_repo(name: str) -> str:
    """Inverse of :func:`repo_name`: ``ppo-seals-CartPole-v0`` -> ``seals/CartPole-v0``."""
    _, namespace, rest = name.split("-", 2)
    return f"{namespace}/{rest}"


def registered_expert_name(gym_id: str) -> str:
    """The MLflow registry name of experts for ``gym_id``: ``expert-seals-CartPole-v0``."""
    return f"expert-{slug(gym_id)}"


def environment_configs() -> list[str]:
    """Names of the environment configs (``seals_half_cheetah``, ...)."""
    return [
        name
        for name, values in named_configs().items()
        if "extends" not in values and set(values) == {"environment.gym_id"}
    ]


def gym_id_of_config(env: str) -> str:
    """The gym id an environment config sets; an unknown name lists the valid ones."""
    if env not in environment_configs():
        raise unknown_choice("environment config", env, environment_configs())
    return str(named_configs()[env]["environment.gym_id"])


@functools.cache
def env_config_for(gym_id: str) -> str:
    """Environment config naming ``gym_id`` (``seals_half_cheetah``), else its slug."""
    for name in environment_configs():
        if named_configs()[name]["environment.gym_id"] == gym_id:
            return name
    return slug(gym_id)
