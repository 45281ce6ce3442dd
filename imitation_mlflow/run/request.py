"""What a caller asks a run for: the algorithm, the resolved config, where to record it.

Every launcher (CLI, sacred-style scripts, MLproject, the suite's processes, tuning) makes a
``RunRequest`` and hands it to :func:`imitation_mlflow.run.run_experiment`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from imitation_mlflow.config import build_config, flatten_dict
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

    @property
    def run_name(self) -> str:
        """``<algo>-<env>-s<seed>``."""
        env = self.env_name or env_config_for(self.config.environment.gym_id)
        return f"{self.algo}-{env}-s{self.config.seed}"


def resume_request(
    run_id: str,
    algo: str,
    updates: dict[str, Any],
    *,
    experiment: str = DEFAULT_EXPERIMENT,
    env_name: str | None = None,
    progress: bool = True,
) -> RunRequest:
    """A request continuing run ``run_id`` with its own config, changed only by ``updates``.

    Params logged at the start cannot change in MLflow, so the changes are recorded in the
    ``resume_overrides`` tag.
    """
    from imitation_mlflow.tracking.checkpoints import stored_run  # MLflow: only to resume

    stored = stored_run(run_id)
    if stored.tags.get("algo") != algo:
        raise UserError(f"run {run_id} is a {stored.tags.get('algo')} run, not {algo}")
    spec = algorithm(algo)
    config = build_config(spec.config_class, updates={**flatten_dict(stored.config), **updates})
    changed = " ".join(f"{key}={value}" for key, value in updates.items())
    return RunRequest(
        algo=algo,
        config=config,
        experiment=experiment,
        env_name=env_name or stored.tags.get("env"),
        tags={"resume_overrides": changed} if changed else {},
        progress=progress,
        resume_run_id=run_id,
    )
