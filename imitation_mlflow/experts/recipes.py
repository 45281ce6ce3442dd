"""Expert-training recipes: PPO and policy settings per environment, read from recipes.toml."""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from importlib import resources

from imitation_mlflow.config import build_config
from imitation_mlflow.config.sections import PolicyConfig, PPOKwargs
from imitation_mlflow.errors import unknown_choice


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExpertRecipe:
    """How to train a good PPO expert for one environment on a few CPU cores."""

    timesteps: int = 1_000_000
    """Default environment-step budget."""
    num_vec: int = 8
    """In-process environment copies feeding PPO."""
    n_steps: int = 256
    """Rollout length per environment copy before each PPO update."""
    ppo: PPOKwargs = PPOKwargs()
    """SB3 PPO settings."""
    policy: PolicyConfig = PolicyConfig(net_arch=(64, 64), normalize_input=False)
    """The expert's actor-critic (observations normalized inside it with ``normalize_input``,
    so the normaliser is saved with the policy)."""
    normalize_reward: bool = False
    """Scale rewards by a running estimate of the return's spread while training (SB3
    VecNormalize); the saved expert is unaffected."""


@functools.cache
def recipes() -> dict[str, ExpertRecipe]:
    """Every recipe of ``recipes.toml``, keyed by environment id."""
    text = resources.files("imitation_mlflow.experts").joinpath("recipes.toml").read_text()
    return {
        gym_id: build_config(ExpertRecipe, updates=values)
        for gym_id, values in tomllib.loads(text).items()
    }


def recipe_for(gym_id: str) -> ExpertRecipe:
    """Our PPO recipe for ``gym_id``; an environment without one lists those that have one."""
    if gym_id not in recipes():
        raise unknown_choice("environment for expert training", gym_id, list(recipes()))
    return recipes()[gym_id]
