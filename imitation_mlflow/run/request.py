"""What a caller asks a run for: the algorithm, the resolved config, where to record it.

Every launcher (CLI, sacred-style scripts, MLproject, the suite's processes, tuning) makes a
``RunRequest`` and hands it to :func:`imitation_mlflow.run.run_experiment`.
"""

from __future__ import annotations

import dataclasses

from imitation_mlflow.config import build_config, flatten_dict, parse_assignments
from imitation_mlflow.config.env_ids import env_config_for
from imitation_mlflow.config.registry import algorithm
from imitation_mlflow.config.sections import CommonConfig
from imitation_mlflow.errors import UserError

DEFAULT_EXPERIMENT = "imitation"


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunRequest:
    """One run to make: ``algo`` trained with ``config``, recorded in ``experiment``."""

    algo: str
    config: CommonConfig
    experiment: str = DEFAULT_EXPERIMENT
    env_name: str | None = None
    """The environment config the run is named after (default: the one naming the gym id)."""
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    """Extra run tags (a suite's parent, a tuning trial)."""
    progress: bool = True
    """Show progress bars."""
    resume_run_id: str | None = None
    """Continue this killed run from its newest checkpoint, in the same MLflow run."""
    resume_expects: dict[str, str] = dataclasses.field(default_factory=dict)
    """Tags of the resumed run its inputs must match again (``expert_sha256``, ...)."""

    @property
    def run_name(self) -> str:
        """``<algo>-<env>-s<seed>``."""
        env = self.env_name or env_config_for(self.config.environment.gym_id)
        return f"{self.algo}-{env}-s{self.config.seed}"


RESUMABLE = (
    "total_timesteps",
    "dagger.total_timesteps",
    "bc.n_epochs",
    "bc.n_batches",
    "checkpoint_interval",
    "checkpoint_minutes",
    "expert.path",
    "expert.trust_source",
    "policy_evaluation.",
)
"""What a resumed run may change: its budget, checkpoints, evaluation and where its expert
file is (the same file: its sha256 is checked); anything else would not fit the state."""

PINNED_INPUTS = ("expert_sha256", "demonstrations_digest")
"""Tags naming the inputs a resumed run must find again."""


def resume_request(
    run_id: str,
    algo: str,
    assignments: list[str],
    *,
    env: str | None = None,
    experiment: str = DEFAULT_EXPERIMENT,
    progress: bool = True,
) -> RunRequest:
    """A request continuing the killed run ``run_id`` with its own config.

    ``assignments`` (``KEY=VALUE``) may change only the keys in ``RESUMABLE``. Params logged
    at the start cannot change in MLflow, so the changes are recorded in the
    ``resume_overrides`` tag.
    """
    from imitation_mlflow.tracking.checkpoints import stored_run  # MLflow: only to resume

    stored = stored_run(run_id)
    _check_resumable(stored.tags, stored.status, run_id, algo, env)
    updates = parse_assignments(assignments)
    refused = [key for key in updates if not key.startswith(RESUMABLE)]
    if refused:
        raise UserError(
            f"--resume cannot change {', '.join(refused)}: the checkpoint was trained with "
            f"the run's own values; it can change {', '.join(RESUMABLE)}"
        )
    spec = algorithm(algo)
    config = build_config(spec.config_class, updates={**flatten_dict(stored.config), **updates})
    return RunRequest(
        algo=algo,
        config=config,
        experiment=experiment,
        env_name=stored.tags.get("env"),
        tags={"resume_overrides": " ".join(assignments)} if assignments else {},
        progress=progress,
        resume_run_id=run_id,
        resume_expects={tag: stored.tags[tag] for tag in PINNED_INPUTS if tag in stored.tags},
    )


def _check_resumable(
    tags: dict[str, str], status: str, run_id: str, algo: str, env: str | None
) -> None:
    if tags.get("algo") != algo:
        raise UserError(f"run {run_id} is a {tags.get('algo')} run, not {algo}")
    if env is not None and tags.get("env", env) != env:
        raise UserError(f"run {run_id} trained on {tags.get('env')}, not {env}")
    if status == "FINISHED":
        raise UserError(
            f"run {run_id} FINISHED; --resume continues killed or failed runs (train again "
            "with a longer budget instead)"
        )
