"""The ``imitation-mlflow`` command line; the only importer of click.

Each command parses its options, builds a config and calls one function.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from imitation_mlflow.config import (
    ImitationConfig,
    build_config,
    environment_configs,
    expand_named,
    named_configs,
    parse_literal,
    to_dict,
)
from imitation_mlflow.errors import UserError, unknown_choice

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn a ``UserError`` into one message on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``("bc.batch_size=32", ...)`` -> ``{"bc.batch_size": 32}`` with sacred-style literals."""
    updates: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UserError(f"expected KEY=VALUE, got {item!r} (e.g. --set bc.batch_size=32)")
        key, value = item.split("=", 1)
        updates[key.strip()] = parse_literal(value)
    return updates


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Benchmark imitation learning (BC, ...) on seals environments, tracked in MLflow.

    Runs go to the store named by MLFLOW_TRACKING_URI (default: ./mlflow.db); browse them
    with `mlflow ui`.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("absl").setLevel(logging.WARNING)  # rliable's per-bootstrap chatter


@cli.command()
@click.argument("algo")
@click.argument("env")
@click.option("--seed", type=int, default=None, help="Root seed of the run (default 0).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a config key.")
@click.option(
    "--overrides",
    default="",
    metavar="'K=V K=V'",
    help="Space-separated KEY=VALUE overrides (for MLproject parameters).",
)
@click.option("--config", "configs", multiple=True, metavar="NAME", help="Extra named config.")
@click.option(
    "--config-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML file of extra named configs (same format as the shipped ones).",
)
@click.option("--expert-path", default=None, help="SB3 PPO zip of the expert to imitate.")
@click.option(
    "--tuned/--no-tuned",
    default=True,
    show_default=True,
    help="Apply the tuned config <algo>_<env> when one exists.",
)
@click.option(
    "--experiment",
    envvar="MLFLOW_EXPERIMENT_NAME",
    default="imitation",
    show_default=True,
    help="MLflow experiment name.",
)
@click.option("--progress/--no-progress", default=True, help="Show progress bars.")
@click.option("--suite", "suite_run_id", default=None, hidden=True, help="Parent suite run id.")
@click.option(
    "--resume",
    "resume_run_id",
    default=None,
    metavar="RUN_ID",
    help="Continue a killed GAIL/AIRL run from its last checkpoint, in the same MLflow run.",
)
@user_errors
def train(
    algo: str,
    env: str,
    seed: int | None,
    sets: tuple[str, ...],
    overrides: str,
    configs: tuple[str, ...],
    config_file: str | None,
    expert_path: str | None,
    tuned: bool,
    experiment: str,
    progress: bool,
    suite_run_id: str | None,
    resume_run_id: str | None,
) -> None:
    """Train ALGO on ENV (an environment config such as seals_half_cheetah) as one MLflow run."""
    from imitation_mlflow.config import load_config_file
    from imitation_mlflow.experiment import run_experiment
    from imitation_mlflow.trainers import TRAINERS, config_class

    if algo not in TRAINERS:
        raise unknown_choice("algorithm", algo, list(TRAINERS))
    if env not in environment_configs():
        raise unknown_choice("environment config", env, environment_configs())
    extra = load_config_file(config_file) if config_file else {}
    named = [env]
    if tuned and f"{algo}_{env}" in {**named_configs(), **extra}:
        named.append(f"{algo}_{env}")
    named.extend(configs)
    updates = parse_assignments([*overrides.split(), *sets])
    if seed is not None:
        updates["seed"] = seed
    if expert_path is not None:
        updates["expert.path"] = expert_path
    tags = {"suite": suite_run_id, "mlflow.parentRunId": suite_run_id} if suite_run_id else None
    signal.signal(signal.SIGTERM, _raise_interrupt)
    with tempfile.TemporaryDirectory() as tmp:
        resume = None
        if resume_run_id:
            from imitation_mlflow.config import flatten_dict
            from imitation_mlflow.tracking.checkpoints import latest_checkpoint

            resume = latest_checkpoint(resume_run_id, Path(tmp))
            if resume.tags.get("algo") != algo:
                raise UserError(
                    f"run {resume_run_id} is a {resume.tags.get('algo')} run, not {algo}"
                )
            # The run's own config, then only the explicit --set/--overrides (params logged at
            # the start cannot change in MLflow, so the changes are recorded as a tag).
            changed = " ".join([*overrides.split(), *sets])
            tags = {**(tags or {}), "resume_overrides": changed} if changed else tags
            named, updates = [], {**flatten_dict(resume.config), **updates}
        config = build_config(config_class(algo), named, updates, extra)
        outcome = run_experiment(
            algo,
            config,
            experiment=experiment,
            env_name=env,
            progress=progress,
            extra_tags=tags,
            resume=resume,
        )
    click.echo(f"status: {outcome.status}  run_id: {outcome.run_id}")
    if outcome.status != "COMPLETED":
        click.echo(outcome.fail_trace or "", err=True)
        sys.exit(1)
    click.echo(json.dumps(outcome.metrics, indent=2))


@cli.command("configs")
@click.argument("name", required=False)
@user_errors
def configs_command(name: str | None) -> None:
    """List the named configs, or show the values NAME sets (and the resolved config)."""
    if name is None:
        for config_name in named_configs():
            click.echo(config_name)
        return
    from imitation_mlflow.trainers import CONFIG_CLASS

    values = expand_named([name])
    click.echo(json.dumps(values, indent=2))
    for script, config_cls in CONFIG_CLASS.items():
        try:
            resolved = build_config(config_cls, [name])
        except UserError:
            continue  # a config for the other script
        click.echo(f"# resolved for {script}")
        click.echo(json.dumps(to_dict(resolved), indent=2))


@cli.group()
def expert() -> None:
    """Experts: train one locally with PPO."""


@expert.command("train")
@click.argument("env")
@click.option("--timesteps", type=int, default=None, help="Environment steps (default: per env).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--output",
    type=click.Path(file_okay=False),
    default="experts",
    show_default=True,
    help="Directory receiving ppo-<env-id>/ppo-<env-id>.zip (the hub's file layout).",
)
@user_errors
def expert_train(env: str, timesteps: int | None, seed: int, output: str) -> None:
    """Train a PPO expert for ENV (an environment config) with our per-env settings."""
    from imitation_mlflow.envs import make_venv
    from imitation_mlflow.evaluation import evaluate
    from imitation_mlflow.experts.training import recipe_for, save_expert, train_expert
    from imitation_mlflow.paths import repo_name

    if env not in environment_configs():
        raise unknown_choice("environment config", env, environment_configs())
    gym_id = build_config(ImitationConfig, [env]).environment.gym_id
    recipe_for(gym_id)
    model = train_expert(gym_id, seed=seed, timesteps=timesteps)
    path = save_expert(model, Path(output), repo_name(gym_id))
    stats = evaluate(
        model, make_venv(gym_id, num_vec=8, seed=seed + 1), 50, deterministic=False, seed=seed + 1
    )
    click.echo(f"saved {path}; return over 50 episodes {stats['monitor_return_mean']:.1f}")


def _source_options(func: F) -> F:
    """Options shared by commands that read runs from a folder, a zip or MLflow."""
    func = click.option(
        "--suite", default=None, metavar="RUN_ID", help="Only runs of this suite (MLflow source)."
    )(func)
    func = click.option(
        "--tracking-uri",
        default=None,
        help="MLflow store to read (default: MLFLOW_TRACKING_URI, else ./mlflow.db).",
    )(func)
    return func


def _use_tracking_uri(uri: str | None) -> None:
    if uri:
        os.environ["MLFLOW_TRACKING_URI"] = uri


def _summary_source(source: str | None, experiment: str | None) -> str:
    """SOURCE, or the experiment named by --experiment; exactly one of them."""
    if (source is None) == (experiment is None):
        raise UserError("give either SOURCE (a folder, a .zip or an experiment) or --experiment")
    return str(source or experiment)


def _experiment_option(func: F) -> F:
    return click.option(
        "--experiment", default=None, help="Read this MLflow experiment (instead of SOURCE)."
    )(func)


@cli.group()
def summarize() -> None:
    """Summarize runs from a folder / zip of sacred runs or an MLflow experiment name."""


@summarize.command("csv")
@click.argument("source", required=False)
@_experiment_option
@click.option("--all-statuses", is_flag=True, help="Keep every run and add a status column.")
@_source_options
@user_errors
def summarize_csv(
    source: str | None,
    experiment: str | None,
    all_statuses: bool,
    suite: str | None,
    tracking_uri: str | None,
) -> None:
    """Print `algo, env, score, expert_score` for each completed run of SOURCE (CSV)."""
    from imitation_mlflow.analysis import summary_csv
    from imitation_mlflow.sources import load_runs

    _use_tracking_uri(tracking_uri)
    frame = load_runs(_summary_source(source, experiment), suite=suite, measure_random=False)
    click.echo(summary_csv(frame, all_statuses=all_statuses), nl=False)


@summarize.command("markdown")
@click.argument("source", required=False)
@_experiment_option
@click.option("--output", type=click.Path(dir_okay=False), required=True, help="Markdown file.")
@click.option("--reps", type=int, default=1000, show_default=True, help="Bootstrap repetitions.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--plots/--no-plots", default=True, show_default=True)
@_source_options
@user_errors
def summarize_markdown(
    source: str | None,
    experiment: str | None,
    output: str,
    reps: int,
    seed: int,
    plots: bool,
    suite: str | None,
    tracking_uri: str | None,
) -> None:
    """Write per-algorithm tables and aggregate Mean/IQM with 95% CIs of SOURCE to --output."""
    from imitation_mlflow.analysis import score_matrix, summary_markdown
    from imitation_mlflow.analysis.frame import completed
    from imitation_mlflow.analysis.plots import summary_plots
    from imitation_mlflow.sources import load_runs

    _use_tracking_uri(tracking_uri)
    source = _summary_source(source, experiment)
    frame = load_runs(source, suite=suite)
    out = Path(output)
    images: list[tuple[str, str]] = []
    written: list[Path] = []
    if plots:
        done = completed(frame)
        matrices = {
            algo: score_matrix(done, algo, sorted(done[done["algo"] == algo]["env_id"].unique()))
            for algo in sorted(done["algo"].unique())
        }
        stem = out.with_suffix("")
        for title, path in summary_plots(
            frame, matrices, Path(f"{stem}_plots"), reps=reps, seed=seed
        ):
            images.append((title, os.path.relpath(path, out.parent)))
            written.append(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(summary_markdown(frame, reps=reps, seed=seed, source=source, plots=images))
    click.echo(f"wrote {out}" + (f" and {len(written)} plots" if written else ""))
    if not Path(source).exists():
        from imitation_mlflow.tracking.queries import log_analysis_run

        run_id = log_analysis_run(
            source, f"summary-{out.stem}", [out, *written], parent_run_id=suite
        )
        click.echo(f"logged to MLflow run {run_id}")


@cli.command()
@click.argument("runs")
@click.argument("baseline_runs")
@click.option("--baseline-algo", required=True, help="Algorithm of BASELINE_RUNS to beat.")
@click.option("--algo", default=None, help="Algorithm of RUNS (needed when RUNS hold several).")
@click.option("--envs", default=None, help="Comma-separated env ids (default: all in common).")
@click.option("--reps", type=int, default=1000, show_default=True, help="Bootstrap repetitions.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="Save a PNG here.")
@_source_options
@user_errors
def compare(
    runs: str,
    baseline_runs: str,
    baseline_algo: str,
    algo: str | None,
    envs: str | None,
    reps: int,
    seed: int,
    as_json: bool,
    plot: str | None,
    suite: str | None,
    tracking_uri: str | None,
) -> None:
    """Probability that a run of RUNS' algorithm beats one of the baseline, with 95% CIs."""
    from imitation_mlflow.analysis import compare as compare_runs
    from imitation_mlflow.analysis import pick_algo
    from imitation_mlflow.sources import load_runs

    _use_tracking_uri(tracking_uri)
    mine = load_runs(runs, suite=suite)
    theirs = load_runs(baseline_runs)
    chosen = pick_algo(mine, algo, "RUNS")
    pick_algo(theirs, baseline_algo, "BASELINE_RUNS")
    result = compare_runs(
        mine,
        theirs,
        algo=chosen,
        baseline_algo=baseline_algo,
        envs=envs.split(",") if envs else None,
        reps=reps,
        seed=seed,
    )
    if plot:
        from imitation_mlflow.analysis.plots import plot_probability_of_improvement

        label = f"P({chosen} > {baseline_algo})"
        plot_probability_of_improvement(result.estimates, Path(plot), label=label)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(f"P({chosen} > {baseline_algo}) on normalized scores, 95% CI ({reps} reps):")
    for name, (point, low, high) in result.estimates.items():
        n_x, n_y = result.runs[name]
        click.echo(f"  {name:28s} {point:.3f} [{low:.3f}, {high:.3f}]  runs {n_x} vs {n_y}")


def _matrix_options(func: F) -> F:
    """Options that define a suite's matrix, shared by the three benchmark commands."""
    options = [
        click.option(
            "--algos", default="bc", show_default=True, help="Comma-separated algorithms, or 'all'."
        ),
        click.option(
            "--envs",
            default="all",
            show_default=True,
            help="Comma-separated environment configs, or 'all' (the five MuJoCo).",
        ),
        click.option("--seeds", type=int, default=10, show_default=True, help="Seeds 0..N-1."),
        click.option("--seed-list", default=None, help="Explicit comma-separated seeds."),
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="KEY=VALUE",
            help="Override a config key in every run.",
        ),
        click.option(
            "--quick", is_flag=True, help="Tiny suite: every algorithm on seals_cartpole, 2 seeds."
        ),
        click.option("--force", is_flag=True, help="Rerun runs that already FINISHED."),
        click.option("--name", default=None, help="Suite name (default: derived from the matrix)."),
        click.option(
            "--experiment",
            envvar="MLFLOW_EXPERIMENT_NAME",
            default="imitation",
            show_default=True,
            help="MLflow experiment name.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _prepare_suite(
    algos: str,
    envs: str,
    seeds: int,
    seed_list: str | None,
    sets: tuple[str, ...],
    quick: bool,
    force: bool,
    name: str | None,
    experiment: str,
) -> tuple[str, dict[str, list[str]], int]:
    """Expand the matrix, open the parent, drop FINISHED runs -> (parent, commands, skipped)."""
    from imitation_mlflow import suite
    from imitation_mlflow.tracking.suites import child_statuses, open_suite_run

    parse_assignments(sets)  # fail early on a malformed KEY=VALUE
    if quick:
        algos, envs, seeds, seed_list = "all", ",".join(suite.QUICK_ENVS), suite.QUICK_SEEDS, None
    entries = suite.expand_matrix(algos, envs, seeds, seed_list)
    suite.check_sets(entries, sets)
    suite_name = name or suite.suite_name(entries, sets)
    params = {
        "algos": algos,
        "envs": envs,
        "seeds": ",".join(sorted({str(e.seed) for e in entries})),
        "sets": " ".join(sets),
        "runs": str(len(entries)),
    }
    parent = open_suite_run(experiment, suite_name, params)
    done = (
        set()
        if force
        else {
            run_name
            for run_name, status in child_statuses(experiment, parent).items()
            if status == "FINISHED"
        }
    )
    commands = {
        e.run_name: suite.train_command(e, experiment=experiment, suite_run_id=parent, sets=sets)
        for e in entries
        if e.run_name not in done
    }
    return parent, commands, len(entries) - len(commands)


@cli.group()
def benchmark() -> None:
    """Run the benchmark matrix (algos x envs x seeds) here, via GNU parallel, or on SLURM."""


@benchmark.command("run")
@_matrix_options
@click.option("--jobs", type=int, default=1, show_default=True, help="Runs at once.")
@click.option("--progress/--no-progress", default=True)
@user_errors
def benchmark_run(jobs: int, progress: bool, **matrix: Any) -> None:
    """Execute the suite on this machine, JOBS processes at a time, under one parent run."""
    from imitation_mlflow import suite
    from imitation_mlflow.paths import cache_dir
    from imitation_mlflow.tracking.suites import close_suite_run

    parent, commands, skipped = _prepare_suite(**matrix)
    click.echo(f"suite run {parent}: {len(commands)} to run, {skipped} already FINISHED")
    log_dir = cache_dir() / "suite-logs" / parent
    try:
        result = suite.run_local(commands, jobs=jobs, log_dir=log_dir, progress=progress)
    except BaseException:
        close_suite_run(parent, finished=0, failed=0, killed=True)
        raise
    for name in result.failed:
        click.echo(f"FAILED {name}: see {result.logs / (name + '.log')}", err=True)
    close_suite_run(parent, finished=len(result.finished) + skipped, failed=len(result.failed))
    click.echo(f"finished {len(result.finished)}, failed {len(result.failed)}, skipped {skipped}")
    if result.failed:
        sys.exit(1)


@benchmark.command("commands")
@_matrix_options
@user_errors
def benchmark_commands(**matrix: Any) -> None:
    """Print one shell command per run, e.g. for `... | parallel -j 8`."""
    from imitation_mlflow import suite
    from imitation_mlflow.tracking.suites import close_suite_run

    parent, commands, skipped = _prepare_suite(**matrix)
    close_suite_run(parent, finished=skipped, failed=0)
    for command in commands.values():
        click.echo(suite.shell_line(command))


@benchmark.command("slurm")
@_matrix_options
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    default="run_all.sbatch",
    show_default=True,
    help="Where to write the sbatch script.",
)
@click.option(
    "--max-concurrent",
    type=int,
    default=32,
    show_default=True,
    help="Array tasks running at once (the %M of --array).",
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    default="slurm-logs",
    show_default=True,
    help="Per-task stdout/stderr files.",
)
@click.option(
    "--sbatch-option",
    "sbatch_options",
    multiple=True,
    help="Extra #SBATCH line, e.g. --sbatch-option=--partition=cpu.",
)
@user_errors
def benchmark_slurm(
    output: str, max_concurrent: int, log_dir: str, sbatch_options: tuple[str, ...], **matrix: Any
) -> None:
    """Write a SLURM job-array script with one array task per run (submit with sbatch)."""
    from imitation_mlflow import suite
    from imitation_mlflow.tracking.suites import close_suite_run

    parent, commands, skipped = _prepare_suite(**matrix)
    close_suite_run(parent, finished=skipped, failed=0)
    logs = Path(log_dir).resolve()
    logs.mkdir(parents=True, exist_ok=True)
    script = suite.slurm_script(
        [suite.shell_line(c) for c in commands.values()],
        job_name="imitation-suite",
        concurrency=max_concurrent,
        log_dir=logs,
        workdir=Path.cwd(),
        tracking_uri=_absolute_tracking_uri(),
        extra_sbatch=sbatch_options,
    )
    Path(output).write_text(script)
    click.echo(
        f"wrote {output}: {len(commands)} array tasks ({skipped} already FINISHED); "
        f"submit with: sbatch {output}"
    )


@cli.group("export")
def export_group() -> None:
    """Export MLflow runs to other layouts."""


@export_group.command("sacred")
@click.argument("output", type=click.Path(file_okay=False))
@click.option(
    "--experiment",
    envvar="MLFLOW_EXPERIMENT_NAME",
    default="imitation",
    show_default=True,
    help="MLflow experiment to export.",
)
@click.option("--suite", default=None, metavar="RUN_ID", help="Only the runs of this suite.")
@user_errors
def export_sacred(output: str, experiment: str, suite: str | None) -> None:
    """Write the experiment's runs in the published sacred layout under OUTPUT (idempotent)."""
    from imitation_mlflow.export.sacred_exporter import ARTIFACTS, export_runs
    from imitation_mlflow.tracking.records import training_runs

    records = training_runs(experiment, suite=suite, artifact_names=ARTIFACTS)
    summary = export_runs(records, Path(output))
    click.echo(f"exported {summary.new} new and {summary.updated} updated runs to {output}")


@cli.group("import")
def import_group() -> None:
    """Import runs from other layouts into MLflow."""


@import_group.command("sacred")
@click.argument("path", type=click.Path())
@click.option(
    "--experiment",
    envvar="MLFLOW_EXPERIMENT_NAME",
    default="imitation",
    show_default=True,
    help="MLflow experiment to import into.",
)
@user_errors
def import_sacred(path: str, experiment: str) -> None:
    """Make an MLflow run of every sacred run folder under PATH (a folder or a .zip)."""
    from tqdm.auto import tqdm

    from imitation_mlflow.export.sacred_importer import scan_sacred
    from imitation_mlflow.tracking.records import IMPORT_DIGEST_TAG, create_run, imported_digests

    scan = scan_sacred(Path(path))
    if scan.refused:
        click.echo(
            f"refused {len(scan.refused)} entries pointing outside {path}, e.g. "
            f"{', '.join(scan.refused[:3])}",
            err=True,
        )
    if scan.skipped:
        click.echo(
            f"skipped {len(scan.skipped)} corrupt or partial run folders, e.g. "
            f"{', '.join(scan.skipped[:3])}",
            err=True,
        )
    known = imported_digests(experiment)
    new = [r for r in scan.records if r.tags[IMPORT_DIGEST_TAG] not in known]
    for record in tqdm(new, desc="import", unit="run", disable=len(new) < 20):
        create_run(experiment, record)
    click.echo(
        f"imported {len(new)} runs into {experiment!r} "
        f"({len(scan.records) - len(new)} already there)"
    )


def _absolute_tracking_uri() -> str:
    """The store the workers must log to: MLFLOW_TRACKING_URI, else ./mlflow.db made absolute."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri
    return f"sqlite:///{Path.cwd() / 'mlflow.db'}"


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
