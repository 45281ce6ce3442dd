"""The uniform-random policy's score per environment, the floor of every normalized score.

Measured locally once per environment and episode count, then cached; or, as the published
benchmark normalised, summarised from the hub's ``HumanCompatibleAI/random-seals-<Env>``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from typing import Literal

from imitation_mlflow.config.cache import cache_dir
from imitation_mlflow.config.env_ids import repo_name
from imitation_mlflow.data.hub import HUB_ORGANIZATION, download_demonstrations
from imitation_mlflow.envs import make_venv
from imitation_mlflow.evaluation.returns import UniformRandomPolicy, evaluate

RANDOM_SEED = 0
"""Fixed seed of the random-policy rollouts, so every run normalises against the same number."""


@dataclasses.dataclass(frozen=True)
class RandomReference:
    """The random policy's return statistics a run normalises against, and their origin."""

    stats: dict[str, float]
    origin: str
    """``rollout`` (measured here) or the URL of the hub dataset summarised."""

    @property
    def mean_return(self) -> float:
        """Mean true return of the random policy."""
        return self.stats["monitor_return_mean"]


def random_policy_stats(gym_id: str, n_episodes: int = 100, num_vec: int = 8) -> dict[str, float]:
    """Return statistics of a uniform-random policy on ``gym_id`` over ``n_episodes`` episodes.

    Cached under the cache dir keyed by env, episode count and seed, so concurrent runs
    of a suite measure it at most a few times and always agree.
    """
    path = cache_dir() / "random_scores" / f"{repo_name(gym_id, 'random')}-n{n_episodes}.json"
    if path.exists():
        try:
            return dict(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):
            pass  # a corrupt cache entry is simply measured again
    venv = make_venv(gym_id, num_vec=num_vec, seed=RANDOM_SEED)
    try:
        policy = UniformRandomPolicy(venv.action_space, seed=RANDOM_SEED)
        stats = evaluate(policy, venv, n_episodes, deterministic=False, seed=RANDOM_SEED)
    finally:
        venv.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        json.dump(stats, tmp)
    os.replace(tmp.name, path)
    return stats


def random_reference(
    gym_id: str, n_episodes: int, source: Literal["rollout", "hub"]
) -> RandomReference:
    """The random-policy reference of a run: measured here (``rollout``) or from the hub.

    ``hub`` reads the first ``n_episodes`` trajectories of the hub's random-policy dataset;
    fetching them needs the hub (or its cache), and any failure is a ``UserError`` pointing
    back to the local measurement.
    """
    if source == "rollout":
        return RandomReference(random_policy_stats(gym_id, n_episodes), "rollout")
    demos = download_demonstrations(
        f"{HUB_ORGANIZATION}/{repo_name(gym_id, 'random')}",
        None,
        n_episodes,
        count_setting="policy_evaluation.random_episodes",
        instead="use policy_evaluation.random_source=rollout to measure the random policy here",
    )
    return RandomReference(demos.stats(), demos.uri)
