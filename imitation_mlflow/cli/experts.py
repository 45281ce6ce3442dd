"""Expert commands: ``expert train`` (local PPO), ``expert pull`` / ``expert push`` (the hub)."""

from __future__ import annotations

from pathlib import Path

import click

from imitation_mlflow.cli.base import cli, needs_tracking_store, user_errors
from imitation_mlflow.config.env_ids import environment_configs, gym_id_of_config
from imitation_mlflow.errors import UserError


def gym_id_of(env: str) -> str:
    """``seals_cartpole`` (an environment config) or ``seals/CartPole-v0`` (a gym id) -> gym id."""
    if env in environment_configs() or not ("/" in env or "-v" in env):
        return gym_id_of_config(env)
    from imitation_mlflow.envs import check_env_id

    check_env_id(env)
    return env


@cli.group()
def expert() -> None:
    """Experts: train one locally with PPO, pull one from the hub or push one to it."""


@expert.command("train")
@click.argument("env")
@click.option("--timesteps", type=int, default=None, help="Environment steps (default: per env).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory receiving ppo-<env-id>/ppo-<env-id>.zip (the hub's file layout); "
    "default: the local expert store, where runs find it.",
)
@click.option("--eval-episodes", type=int, default=50, show_default=True)
@click.option(
    "--experiment",
    default="experts",
    show_default=True,
    help="MLflow experiment of the training run.",
)
@click.option(
    "--select-every",
    type=int,
    default=None,
    metavar="STEPS",
    help="Evaluate every STEPS environment steps and keep the best checkpoint, not the last.",
)
@click.option(
    "--select-episodes",
    type=int,
    default=10,
    show_default=True,
    help="Episodes per evaluation with --select-every.",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@click.option(
    "--promote",
    is_flag=True,
    help="Make it the store's expert even if a stronger one is known.",
)
@user_errors
@needs_tracking_store
def expert_train(
    env: str,
    timesteps: int | None,
    seed: int,
    output: str | None,
    eval_episodes: int,
    experiment: str,
    select_every: int | None,
    select_episodes: int,
    progress: bool,
    promote: bool,
) -> None:
    """Train a PPO expert for ENV with our per-env settings, as one MLflow run.

    The model is registered as expert-<env id> (its return as a version tag) and kept in
    the local expert store by its sha256 (or written to --output). It becomes the expert
    runs use only when no stronger one is recorded (store, registry, shipped, hub), or
    with --promote.
    """
    from imitation_mlflow.experts.recorded import ExpertTraining, train_recorded_expert

    job = ExpertTraining(
        gym_id=gym_id_of(env),
        seed=seed,
        timesteps=timesteps,
        output=Path(output) if output else None,
        eval_episodes=eval_episodes,
        experiment=experiment,
        progress=progress,
        select_every=select_every,
        select_episodes=select_episodes,
        promote=promote,
    )
    trained = train_recorded_expert(job)
    score = trained.evaluation["monitor_return_mean"]
    click.echo(f"saved {trained.path}; return over {eval_episodes} episodes {score:.1f}")
    if trained.stronger is not None:
        click.echo(
            f"not promoted: runs keep using {trained.stronger}; pass --promote to use this "
            "one anyway (or --expert-path for one run)",
            err=True,
        )
    click.echo(
        f"MLflow run {trained.run_id}; registered {trained.registered_name} "
        f"version {trained.version}"
    )


@expert.command("pull")
@click.argument("env")
@click.option("--revision", default=None, help="Branch, tag or commit (default: main).")
@click.option(
    "--organization",
    default=None,
    help="Hub owner of ppo-<env-id> (default: HumanCompatibleAI).",
)
@click.option("--repo-id", default=None, metavar="ORG/NAME", help="Hub model repo to pull from.")
@click.option(
    "--with-demonstrations",
    is_flag=True,
    help="Also pull the dataset repo of the same name (for demonstrations.source=hub).",
)
@click.option(
    "--trust-expert-source",
    is_flag=True,
    help="Accept an owner outside the trusted ones (an expert zip is pickled code).",
)
@user_errors
def expert_pull(
    env: str,
    revision: str | None,
    organization: str | None,
    repo_id: str | None,
    with_demonstrations: bool,
    trust_expert_source: bool,
) -> None:
    """Download the expert for ENV (environment config or gym id) from the hub into its cache.

    The hub, its cache and offline mode are huggingface_hub's: HF_ENDPOINT, HF_HOME,
    HF_HUB_OFFLINE, HF_TOKEN. Runs then find the expert with expert.source=hub (or by
    themselves when no local or shipped expert exists).
    """
    from imitation_mlflow.experts.pull import pull_expert

    if organization and repo_id:
        raise UserError("pass --organization or --repo-id, not both")
    pulled = pull_expert(
        gym_id_of(env),
        repo_id=repo_id,
        organization=organization,
        revision=revision,
        with_demonstrations=with_demonstrations,
        trust=trust_expert_source,
    )
    click.echo(f"pulled {pulled.expert.repo_id}@{pulled.expert.revision} -> {pulled.expert.path}")
    click.echo(f"sha256 {pulled.expert.sha256}")
    if pulled.demonstrations is not None:
        demos = pulled.demonstrations
        click.echo(f"pulled {len(demos.trajectories)} demonstrations -> {demos.path.parent}")


@expert.command("push")
@click.argument("env")
@click.option("--repo-id", required=True, metavar="ORG/NAME", help="Hub repo (model and dataset).")
@click.option("--expert-path", default=None, help="SB3 PPO zip (default: resolved as in a run).")
@click.option("--n-demos", type=int, default=104, show_default=True, help="Demonstrations.")
@click.option("--eval-episodes", type=int, default=10, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--private", is_flag=True, help="Create the repos private.")
@click.option(
    "--folder",
    type=click.Path(file_okay=False),
    default=None,
    help="Keep the prepared model/ and dataset/ folders here.",
)
@click.option("--no-upload", is_flag=True, help="Only prepare the folders (needs --folder).")
@user_errors
def expert_push(
    env: str,
    repo_id: str,
    expert_path: str | None,
    n_demos: int,
    eval_episodes: int,
    seed: int,
    private: bool,
    folder: str | None,
    no_upload: bool,
) -> None:
    """Publish the expert for ENV to the hub as the model and dataset repos REPO_ID.

    The model repo gets the zip, its evaluation and a model card; the dataset repo of the
    same name the demonstrations (parquet).

    Demonstrations are rolled out (or read from the cache) exactly as a run with
    ``--seed SEED`` and ``n_expert_demos=N_DEMOS`` would; the evaluation is deterministic.
    """
    from imitation_mlflow.experts.publish import ExpertPush, push_expert

    pushed = push_expert(
        ExpertPush(
            gym_id=gym_id_of(env),
            repo_id=repo_id,
            expert_path=expert_path,
            n_demos=n_demos,
            eval_episodes=eval_episodes,
            seed=seed,
            private=private,
            folder=Path(folder) if folder else None,
            upload=not no_upload,
        )
    )
    if pushed.folders is not None:
        click.echo(
            f"prepared {pushed.folders[0]} and {pushed.folders[1]} "
            f"(expert from {pushed.expert.origin})"
        )
    if pushed.published is not None:
        click.echo(f"model:   {pushed.published.model_url} @ {pushed.published.model_commit}")
        click.echo(f"dataset: {pushed.published.dataset_url} @ {pushed.published.dataset_commit}")
        click.echo(
            f"return over {eval_episodes} episodes {pushed.evaluation['monitor_return_mean']:.1f}"
        )
