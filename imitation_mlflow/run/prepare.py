"""A run, step 1: every check a user can fail and every fetch, before any MLflow run exists.

The config is already valid (sections check themselves when built); here the algorithm,
the environment, the expert, the demonstrations, the random-policy reference and, when
resuming, the checkpoint are resolved, so that a mistake costs one line and exit code 2.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
from pathlib import Path

from imitation_mlflow.config.env_ids import env_config_for
from imitation_mlflow.config.registry import AlgorithmSpec, algorithm
from imitation_mlflow.config.sections import CommonConfig
from imitation_mlflow.config.seeds import RunSeeds
from imitation_mlflow.data.cache import Demonstrations
from imitation_mlflow.envs import check_env_id
from imitation_mlflow.errors import UserError
from imitation_mlflow.evaluation.random_baseline import RandomReference, random_reference
from imitation_mlflow.experts.demonstrations import demonstrations_for
from imitation_mlflow.experts.quality import check_expert_quality
from imitation_mlflow.experts.resolve import Expert, load_checked_expert
from imitation_mlflow.run.checkpoint import STATE_FILE
from imitation_mlflow.run.request import RunRequest
from imitation_mlflow.tracking.checkpoints import Checkpoint, latest_checkpoint
from imitation_mlflow.tracking.run import check_experiment

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RunInputs:
    """Everything a run needs, resolved and checked."""

    request: RunRequest
    spec: AlgorithmSpec
    seeds: RunSeeds
    expert: Expert
    demonstrations: Demonstrations
    random: RandomReference
    resume: Checkpoint | None
    """The checkpoint to continue from, downloaded."""

    @property
    def config(self) -> CommonConfig:
        """The run's resolved config."""
        return self.request.config

    def tags(self) -> dict[str, str]:
        """The run's identifying tags (tracking contract) and the request's extra ones."""
        config = self.config
        return {
            "algo": self.spec.name,
            "env_id": config.environment.gym_id,
            "env": self.request.env_name or env_config_for(config.environment.gym_id),
            "seed": str(config.seed),
            "train_script": self.spec.script,
            "host": socket.gethostname(),
            **self.request.tags,
        }


def prepare(request: RunRequest, workdir: Path) -> RunInputs:
    """Check and fetch everything ``request`` needs (``UserError`` on any mistake).

    Downloads (hub files, a checkpoint) and roll-outs (demonstrations, the random policy's
    score, both cached) happen here; ``workdir`` receives the checkpoint.
    """
    spec = algorithm(request.algo)
    config = request.config
    if not isinstance(config, spec.config_class):
        raise UserError(f"{spec.name} runs with a {spec.config_class.__name__}")
    gym_id = config.environment.gym_id
    check_env_id(gym_id)
    check_experiment(request.experiment)
    resume = _checkpoint(request, workdir) if request.resume_run_id else None
    expert = load_checked_expert(gym_id, config.expert)
    demonstrations = demonstrations_for(config, expert, progress=request.progress)
    _check_same_inputs(request, expert, demonstrations)
    log.info(
        "%d demonstrations (%s, digest %s)",
        len(demonstrations.trajectories),
        demonstrations.origin,
        demonstrations.digest,
    )
    evaluation = config.policy_evaluation
    random = random_reference(gym_id, evaluation.random_episodes, evaluation.random_source)
    check_expert_quality(gym_id, expert.ref, demonstrations.stats(), random.stats)
    seeds = RunSeeds.from_root(config.seed)
    return RunInputs(request, spec, seeds, expert, demonstrations, random, resume)


def _checkpoint(request: RunRequest, workdir: Path) -> Checkpoint:
    assert request.resume_run_id is not None
    return latest_checkpoint(request.resume_run_id, workdir, marker=STATE_FILE)


def _check_same_inputs(request: RunRequest, expert: Expert, demos: Demonstrations) -> None:
    """A resumed run must find the expert and demonstrations it was trained on."""
    found = {"expert_sha256": expert.ref.sha256, "demonstrations_digest": demos.digest}
    for tag, value in request.resume_expects.items():
        if found.get(tag, value) != value:
            raise UserError(
                f"run {request.resume_run_id} trained with {tag} {value}, but this machine "
                f"resolves {found[tag]} (expert {expert.ref.path}); pass the run's expert file "
                "with --expert-path (its expert_path tag names it)"
            )
