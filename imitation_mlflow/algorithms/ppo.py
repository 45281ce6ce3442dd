"""The one place an SB3 PPO is built: GAIL/AIRL's generator, expert training and the tests."""

from __future__ import annotations

import dataclasses
from typing import Any

from stable_baselines3 import PPO
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.algorithms.policies import policy_kwargs
from imitation_mlflow.config.sections import PolicyConfig, PPOKwargs

OPTIMIZER_KWARGS: dict[str, Any] = {"eps": 1e-5, "foreach": True}
"""SB3's Adam settings for PPO (``eps=1e-5``), stepped with the multi-tensor (foreach)
implementation: the same arithmetic per element as the default per-tensor loop, so the
same parameters bit for bit, in a few kernels instead of ~10 per parameter tensor."""


def make_ppo(venv: VecEnv, settings: PPOKwargs, *, n_steps: int, policy: PolicyConfig) -> PPO:
    """SB3 PPO on ``venv`` with every field of ``settings`` and a ``policy`` actor-critic.

    ``n_steps`` is the rollout length per env copy. No seed is passed: PPO would reseed the
    envs with it; callers seed torch's generator (initialisation) and the envs themselves.
    """
    return PPO(
        ActorCriticPolicy,
        venv,
        n_steps=n_steps,
        policy_kwargs={**policy_kwargs(policy), "optimizer_kwargs": dict(OPTIMIZER_KWARGS)},
        device="cpu",
        verbose=0,
        **dataclasses.asdict(settings),
    )
