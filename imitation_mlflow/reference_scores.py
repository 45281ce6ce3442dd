"""The uniform-random policy's score per environment: measured locally once, then cached."""

from __future__ import annotations

import json
import os
import tempfile

from imitation_mlflow.data.demonstrations import Demonstrations
from imitation_mlflow.data.trajectories import trajectory_stats
from imitation_mlflow.envs import make_venv
from imitation_mlflow.errors import unknown_choice
from imitation_mlflow.evaluation import UniformRandomPolicy, evaluate
from imitation_mlflow.experts.hub import HUB_ORGANIZATION, download_demonstrations
from imitation_mlflow.paths import cache_dir, repo_name

RANDOM_SOURCES = ("rollout", "hub")
"""Where the random-policy score comes from (``policy_evaluation.random_source``)."""

RANDOM_SEED = 0
"""Fixed seed of the random-policy rollouts, so every run normalises against the same number."""


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
    policy = UniformRandomPolicy(venv.action_space, seed=RANDOM_SEED)
    stats = evaluate(policy, venv, n_episodes, deterministic=False, seed=RANDOM_SEED)
    venv.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        json.dump(stats, tmp)
    os.replace(tmp.name, path)
    return stats


def hub_random_demonstrations(gym_id: str, n_episodes: int) -> Demonstrations:
    """The first ``n_episodes`` trajectories of ``HumanCompatibleAI/random-seals-<Env>``.

    The published benchmark normalised against these; fetching them needs the hub (or its
    cache), and any failure is a ``UserError`` pointing back to the local measurement.
    """
    return download_demonstrations(
        f"{HUB_ORGANIZATION}/{repo_name(gym_id, 'random')}",
        None,
        n_episodes,
        count_setting="policy_evaluation.random_episodes",
        instead="use policy_evaluation.random_source=rollout to measure the random policy here",
    )


def random_reference(
    gym_id: str, n_episodes: int, source: str = "rollout"
) -> tuple[dict[str, float], str]:
    """The random-policy statistics a run normalises against, and where they came from.

    ``rollout`` measures (or reads the cached) uniform-random score; ``hub`` summarises the
    hub's random-policy dataset. The second value is ``rollout`` or the dataset's URI.
    """
    if source == "rollout":
        return random_policy_stats(gym_id, n_episodes), "rollout"
    if source == "hub":
        demos = hub_random_demonstrations(gym_id, n_episodes)
        return trajectory_stats(demos.trajectories), demos.uri
    raise unknown_choice("random score source", source, list(RANDOM_SOURCES))
