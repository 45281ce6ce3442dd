"""A run, step 5: score the trained policy against the expert and the random policy."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from stable_baselines3.common.policies import ActorCriticPolicy

from imitation_mlflow.evaluation import evaluate_episodes, normalized_score
from imitation_mlflow.run.prepare import RunInputs

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ScoreCard:
    """A run's scores as sacred-style return statistics.

    Of the trained policy, of the expert demonstrations it learned from, and of the
    uniform-random policy.
    """

    imitation: dict[str, float]
    """``imit_stats``: the trained policy's evaluation episodes (true returns)."""
    expert: dict[str, float]
    """``expert_stats``: the demonstrations used."""
    random: dict[str, float]
    """``random_stats``: the random-policy reference."""

    @property
    def normalized_score(self) -> float:
        """(imitation - random) / (expert - random) of the mean returns."""
        return normalized_score(
            self.imitation["monitor_return_mean"],
            self.expert["monitor_return_mean"],
            self.random["monitor_return_mean"],
        )

    def metrics(self) -> dict[str, float]:
        """The final metrics of the tracking contract."""
        return {
            "imit_return_mean": self.imitation["monitor_return_mean"],
            "imit_return_std": self.imitation["monitor_return_std"],
            "expert_return_mean": self.expert["monitor_return_mean"],
            "expert_return_std": self.expert["monitor_return_std"],
            "random_return_mean": self.random["monitor_return_mean"],
            "normalized_score": self.normalized_score,
        }

    def result(self) -> dict[str, Any]:
        """The sacred ``result`` (``result.json``, ``run.json``'s ``result``)."""
        return {
            "imit_stats": self.imitation,
            "expert_stats": self.expert,
            "random_stats": self.random,
            "normalized_score": self.normalized_score,
        }


def score(policy: ActorCriticPolicy, inputs: RunInputs) -> ScoreCard:
    """Evaluate ``policy`` for ``n_episodes_eval`` episodes and score it.

    Fresh env copies are seeded from the ``evaluation`` stream; actions are sampled unless
    ``policy_evaluation.deterministic``.
    """
    settings = inputs.config.policy_evaluation
    log.info("evaluating on %d episodes", settings.n_episodes_eval)
    imitation = evaluate_episodes(
        policy,
        inputs.config.environment,
        settings.n_episodes_eval,
        seed=inputs.seeds.evaluation,
        deterministic=settings.deterministic,
    )
    expert = inputs.demonstrations.stats()
    return ScoreCard(imitation=imitation, expert=expert, random=inputs.random.stats)
