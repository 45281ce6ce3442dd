"""``expert pull``: an expert (and optionally its demonstrations) into the hub cache."""

from __future__ import annotations

import dataclasses

from imitation_mlflow.config.sections import ExpertConfig
from imitation_mlflow.data.cache import Demonstrations
from imitation_mlflow.data.hub import download_demonstrations
from imitation_mlflow.experts.hub import hub_repo_id
from imitation_mlflow.experts.resolve import ExpertRef, load_checked_expert


@dataclasses.dataclass(frozen=True)
class Pulled:
    """What a pull put in the hub cache."""

    expert: ExpertRef
    demonstrations: Demonstrations | None


def pull_expert(
    gym_id: str,
    *,
    repo_id: str | None = None,
    organization: str | None = None,
    revision: str | None = None,
    with_demonstrations: bool = False,
    trust: bool = False,
) -> Pulled:
    """Download the expert of ``gym_id`` into the hub cache and check it fits the env.

    From ``repo_id`` (default ``<organization or HumanCompatibleAI>/ppo-<env>``) at
    ``revision``; ``with_demonstrations`` also caches the dataset repo of the same name, so
    that ``demonstrations.source=hub`` runs work offline. ``trust`` accepts a repo outside
    the trusted owners.
    """
    settings = ExpertConfig(
        source="hub",
        repo_id=repo_id or hub_repo_id(gym_id, organization),
        revision=revision,
        trust_source=trust,
    )
    expert = load_checked_expert(gym_id, settings).ref
    demos = None
    if with_demonstrations and expert.repo_id is not None:
        demos = download_demonstrations(expert.repo_id, None, None)
    return Pulled(expert, demos)
