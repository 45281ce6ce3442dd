"""`tune --jobs K` starts K-1 copies of the same command as trials-only workers."""

from __future__ import annotations

from imitation_mlflow.cli.tune import _worker_args, tune


def test_worker_command_repeats_the_options_with_its_own_sampler_seed() -> None:
    ctx = tune.make_context(
        "tune",
        ["bc", "seals_cartpole", "--trials", "12", "--jobs", "3", "--seed", "5"]
        + ["--set", "bc.lr=0.01", "--set", "bc.batch_size=8", "--no-tuned", "--json"],
    )
    args = _worker_args(ctx, 2)
    assert args[:3] == ["tune", "bc", "seals_cartpole"]
    assert args[args.index("--trials") + 1] == "12"
    assert args[args.index("--seed") + 1] == "7"
    assert [args[i + 1] for i, a in enumerate(args) if a == "--set"] == [
        "bc.lr=0.01",
        "bc.batch_size=8",
    ]
    assert "--no-tuned" in args and "--jobs" not in args and "--json" not in args
    assert args[-2:] == ["--phase1-only", "--no-progress"]
    # The worker's command line parses back to the same job.
    again = tune.make_context("tune", args[1:])
    for name in ("trials", "storage", "sets", "tuned", "repeat", "eval_seeds"):
        assert again.params[name] == ctx.params[name]
