"""The uniform-random policy's score per environment: measured locally once, then cached."""

from __future__ import annotations

import json
import os
import tempfile

from imitation_mlflow.envs import make_venv
from imitation_mlflow.evaluation import UniformRandomPolicy, evaluate
from imitation_mlflow.paths import cache_dir, repo_name

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
