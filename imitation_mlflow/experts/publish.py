"""Publish an expert to the hub in the published layout.

The model repo holds the SB3 zip, its evaluation and a model card; the dataset repo of the
same name holds the demonstrations as parquet.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import tempfile
from pathlib import Path

from huggingface_hub import HfApi

from imitation_mlflow.config.sections import DemonstrationsConfig, EnvironmentConfig, ExpertConfig
from imitation_mlflow.config.seeds import RunSeeds
from imitation_mlflow.data.cache import DATA_FILE, Demonstrations
from imitation_mlflow.data.trajectories import trajectory_stats
from imitation_mlflow.errors import UserError
from imitation_mlflow.evaluation import evaluate_episodes
from imitation_mlflow.experts.demonstrations import expert_demonstrations
from imitation_mlflow.experts.resolve import ExpertRef, load_checked_expert

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExpertPush:
    """What ``expert push`` is asked for."""

    gym_id: str
    repo_id: str
    """``ORG/NAME`` of both the model and the dataset repo."""
    expert_path: str | None = None
    """The SB3 PPO zip (``None``: resolved as a run would)."""
    n_demos: int = 104
    eval_episodes: int = 10
    seed: int = 0
    """Root seed: demonstrations as a run with this seed rolls them out; evaluation stream."""
    private: bool = False
    folder: Path | None = None
    """Keep the prepared ``model/`` and ``dataset/`` folders here."""
    upload: bool = True


@dataclasses.dataclass(frozen=True)
class PushOutcome:
    """What a push prepared and, when it uploaded, where the repos are."""

    expert: ExpertRef
    evaluation: dict[str, float]
    folders: tuple[Path, Path] | None
    """The kept ``model/`` and ``dataset/`` folders (with ``folder``)."""
    published: Published | None


@dataclasses.dataclass(frozen=True)
class Published:
    """Where a push went: the two repositories' URLs and commits."""

    model_url: str
    model_commit: str
    dataset_url: str
    dataset_commit: str


def push_expert(job: ExpertPush) -> PushOutcome:
    """Publish an expert as the model and dataset repos ``job.repo_id`` (or only prepare them).

    The demonstrations are rolled out (or read from the cache) exactly as a run with root
    seed ``job.seed`` and ``n_expert_demos=n_demos`` would; the evaluation in the model card
    is deterministic, over ``eval_episodes`` episodes of the ``evaluation`` stream.
    """
    if not job.upload and job.folder is None:
        raise UserError("--no-upload needs --folder to keep the prepared folders")
    if job.repo_id.count("/") != 1 or job.repo_id.startswith("/") or job.repo_id.endswith("/"):
        raise UserError(f"--repo-id must be ORG/NAME (got {job.repo_id!r})")
    expert = load_checked_expert(job.gym_id, ExpertConfig(path=job.expert_path))
    evaluation = evaluate_episodes(
        expert.model,
        EnvironmentConfig(gym_id=job.gym_id),
        job.eval_episodes,
        seed=RunSeeds.from_root(job.seed).evaluation,
        deterministic=True,
    )
    demos = expert_demonstrations(
        expert,
        environment=EnvironmentConfig(gym_id=job.gym_id),
        settings=DemonstrationsConfig(n_expert_demos=job.n_demos),
        seed=job.seed,
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = job.folder or Path(tmp)
        folders = prepare_folders(expert.ref, job.gym_id, evaluation, demos, root, job.repo_id)
        log.info("prepared %s and %s (expert from %s)", *folders, expert.ref.origin)
        published = push_folders(job.repo_id, *folders, private=job.private) if job.upload else None
    kept = folders if job.folder is not None else None
    return PushOutcome(expert.ref, evaluation, kept, published)


def prepare_folders(
    ref: ExpertRef,
    gym_id: str,
    evaluation: dict[str, float],
    demos: Demonstrations,
    root: Path,
    repo_id: str,
) -> tuple[Path, Path]:
    """Lay out ``root/model`` and ``root/dataset`` as the hub repos ``repo_id`` should look.

    ``model``: ``<repo name>.zip`` (the file ``expert pull`` asks for), ``results.json``
    (``evaluation``, the expert's own episodes) and ``README.md`` (a model card with that
    evaluation). ``dataset``: ``data/train-00000-of-00001.parquet`` (one row per
    trajectory) and a ``README.md``.
    """
    name = repo_id.split("/")[-1]
    model, dataset = root / "model", root / "dataset"
    (dataset / DATA_FILE).parent.mkdir(parents=True, exist_ok=True)
    model.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ref.path, model / f"{name}.zip")
    demo_stats = trajectory_stats(demos.trajectories)
    results = {"env_id": gym_id, "sha256": ref.sha256, "evaluation": evaluation}
    (model / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True))
    (model / "README.md").write_text(_model_card(name, gym_id, ref.sha256, evaluation, demo_stats))
    shutil.copyfile(demos.path, dataset / DATA_FILE)
    (dataset / "README.md").write_text(_dataset_card(name, gym_id, demo_stats))
    return model, dataset


def push_folders(repo_id: str, model: Path, dataset: Path, *, private: bool = False) -> Published:
    """Create (if needed) the model and dataset repos ``repo_id`` and upload the folders.

    Uses ``HfApi`` as configured by ``HF_ENDPOINT`` and ``HF_TOKEN``.
    """
    api = HfApi()
    commits = {}
    for repo_type, folder in (("model", model), ("dataset", dataset)):
        api.create_repo(repo_id, repo_type=repo_type, exist_ok=True, private=private)
        info = api.upload_folder(
            repo_id=repo_id,
            repo_type=repo_type,
            folder_path=folder,
            commit_message=f"imitation-mlflow expert push ({repo_type})",
        )
        commits[repo_type] = (str(info.repo_url), str(info.oid))
    return Published(*commits["model"], *commits["dataset"])


def _model_card(
    name: str,
    gym_id: str,
    sha256: str,
    evaluation: dict[str, float],
    demo_stats: dict[str, float],
) -> str:
    return f"""---
library_name: stable-baselines3
tags:
- {gym_id}
- reinforcement-learning
- imitation-learning
model-index:
- name: PPO
  results:
  - task:
      type: reinforcement-learning
    dataset:
      name: {gym_id}
      type: {gym_id}
    metrics:
    - type: mean_reward
      value: {evaluation["monitor_return_mean"]:.2f} +/- {evaluation["monitor_return_std"]:.2f}
---

# PPO expert for {gym_id}

`{name}.zip` is a stable-baselines3 PPO save (sha256 `{sha256}`), published by
`imitation-mlflow expert push` as an expert for imitation learning.

## Evaluation

| episodes | return mean | return std | length mean |
|---|---|---|---|
| {evaluation["n_traj"]:.0f} | {evaluation["monitor_return_mean"]:.2f} | \
{evaluation["monitor_return_std"]:.2f} | {evaluation["len_mean"]:.1f} |

Demonstrations (dataset repo of the same name): {demo_stats["n_traj"]:.0f} trajectories,
return {demo_stats["monitor_return_mean"]:.2f} +/- {demo_stats["monitor_return_std"]:.2f}.

Use it with `imitation-mlflow expert pull {gym_id} --repo-id <this repo>`.
"""


def _dataset_card(name: str, gym_id: str, demo_stats: dict[str, float]) -> str:
    return f"""---
tags:
- {gym_id}
- imitation-learning
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*.parquet
---

# Demonstrations of {name} on {gym_id}

{demo_stats["n_traj"]:.0f} trajectories, one row each: `obs` (T+1 x obs_dim), `acts`
(T x act_dim), `infos` (T JSON strings, the last with the episode record), `terminal`,
`rews` (T). Return {demo_stats["monitor_return_mean"]:.2f} +/- \
{demo_stats["monitor_return_std"]:.2f}.
"""
