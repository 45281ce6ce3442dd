"""Probability of improvement of one algorithm over a baseline, per environment and overall."""

from __future__ import annotations

import dataclasses
import logging

import pandas as pd

from imitation_mlflow.analysis.aggregate import probability_of_improvement
from imitation_mlflow.analysis.frame import completed, score_matrix
from imitation_mlflow.errors import UserError

log = logging.getLogger(__name__)

AGGREGATE = "aggregate"


@dataclasses.dataclass(frozen=True)
class Comparison:
    """P(algo > baseline) with 95% CIs: ``estimates[env or "aggregate"] = (point, low, high)``."""

    algo: str
    baseline_algo: str
    envs: list[str]
    runs: dict[str, tuple[int, int]]
    """env -> (runs of algo, runs of baseline) actually compared."""
    estimates: dict[str, tuple[float, float, float]]

    def to_dict(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "algo": self.algo,
            "baseline_algo": self.baseline_algo,
            "probability_of_improvement": {
                name: {"point": p, "ci_low": lo, "ci_high": hi, "runs": self.runs.get(name)}
                for name, (p, lo, hi) in self.estimates.items()
            },
        }


def pick_algo(frame: pd.DataFrame, algo: str | None, what: str) -> str:
    """The single algorithm in ``frame``, or ``algo``; an error names the choices otherwise."""
    algos = sorted(completed(frame)["algo"].unique())
    if algo is not None:
        if algo not in algos:
            raise UserError(
                f"{what} hold no completed {algo!r} runs; they hold: {', '.join(algos)}"
            )
        return algo
    if len(algos) != 1:
        raise UserError(
            f"{what} hold several algorithms ({', '.join(algos)}); choose one with --algo"
        )
    return str(algos[0])


def compare(
    runs: pd.DataFrame,
    baseline: pd.DataFrame,
    *,
    algo: str,
    baseline_algo: str,
    envs: list[str] | None = None,
    reps: int,
    seed: int,
) -> Comparison:
    """P(a run of ``algo`` beats a run of ``baseline_algo``) on normalized scores.

    Environments default to those both sides have completed runs on. Per environment the
    two sides may have different run counts; for the aggregate, each side is truncated to
    its smallest per-environment count (with a warning when that drops runs).
    """
    mine = completed(runs)
    theirs = completed(baseline)
    common = sorted(
        set(mine[mine["algo"] == algo]["env_id"])
        & set(theirs[theirs["algo"] == baseline_algo]["env_id"])
    )
    if envs:
        unknown = sorted(set(envs) - set(common))
        if unknown:
            raise UserError(
                f"no runs of both algorithms on {', '.join(unknown)}; common envs: "
                f"{', '.join(common) or 'none'}"
            )
        common = list(envs)
    if not common:
        raise UserError(f"{algo} and {baseline_algo} have no environment in common")
    estimates, counts = {}, {}
    for i, env in enumerate(common):
        x = score_matrix(mine, algo, [env])
        y = score_matrix(theirs, baseline_algo, [env])
        counts[env] = (len(x), len(y))
        estimates[env] = probability_of_improvement(x, y, reps=reps, seed=seed + i)
    x_all = score_matrix(mine, algo, common)
    y_all = score_matrix(theirs, baseline_algo, common)
    counts[AGGREGATE] = (len(x_all), len(y_all))
    estimates[AGGREGATE] = probability_of_improvement(x_all, y_all, reps=reps, seed=seed)
    return Comparison(algo, baseline_algo, common, counts, estimates)
