"""Pictures of a runs frame: aggregate intervals, performance profiles, score distributions."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from rliable import library as rly  # noqa: E402
from rliable import plot_utils  # noqa: E402

from imitation_mlflow.analysis.aggregate import aggregate_estimates, seeded_bootstrap  # noqa: E402
from imitation_mlflow.analysis.frame import completed  # noqa: E402


def plot_aggregate_intervals(
    estimates: dict[str, dict[str, tuple[float, float, float]]], path: Path
) -> Path:
    """Horizontal interval plot of Mean and IQM per algorithm (point and 95% CI)."""
    algos = list(estimates)
    points = {a: np.array([estimates[a]["mean"][0], estimates[a]["iqm"][0]]) for a in algos}
    cis = {
        a: np.array(
            [
                [estimates[a]["mean"][1], estimates[a]["iqm"][1]],
                [estimates[a]["mean"][2], estimates[a]["iqm"][2]],
            ]
        )
        for a in algos
    }
    fig, _ = plot_utils.plot_interval_estimates(
        points,
        cis,
        metric_names=["Mean", "IQM"],
        algorithms=algos,
        xlabel="Normalized score",
        xlabel_y_coordinate=-0.7,
        row_height=0.8,
    )
    return _save(fig, path)


def plot_performance_profiles(matrices: dict[str, np.ndarray], path: Path, *, reps: int) -> Path:
    """Fraction of runs with normalized score above tau, with bootstrap bands."""
    usable = {a: m for a, m in matrices.items() if m.size}
    taus = np.linspace(-0.1, 1.2, 61)
    profiles, cis = rly.create_performance_profile(usable, taus, reps=reps)
    fig, ax = plt.subplots(figsize=(6, 4))
    plot_utils.plot_performance_profiles(
        profiles, taus, performance_profile_cis=cis, xlabel=r"Normalized score $\tau$", ax=ax
    )
    ax.legend(ax.get_lines()[: len(usable)], list(usable), loc="lower left")
    return _save(fig, path)


def plot_score_distributions(frame: pd.DataFrame, path: Path) -> Path:
    """One panel per environment: each run's normalized score, grouped by algorithm."""
    runs = completed(frame)
    envs = sorted(runs["env_id"].unique())
    algos = sorted(runs["algo"].unique())
    fig, axes = plt.subplots(
        1, max(len(envs), 1), figsize=(3 * max(len(envs), 1), 3.2), squeeze=False
    )
    for ax, env in zip(axes[0], envs, strict=False):
        env_runs = runs[runs["env_id"] == env]
        data = [env_runs[env_runs["algo"] == a]["normalized_score"].astype(float) for a in algos]
        ax.boxplot(data, tick_labels=algos)
        for i, values in enumerate(data, start=1):
            ax.scatter(np.full(len(values), i), values, s=10, alpha=0.6)
        ax.set_title(env, fontsize=9)
        ax.set_ylabel("Normalized score")
    return _save(fig, path)


def plot_probability_of_improvement(
    estimates: dict[str, tuple[float, float, float]], path: Path, *, label: str
) -> Path:
    """P(X > Y) per environment and aggregate, with 95% CIs."""
    names = list(estimates)
    points = np.array([estimates[n][0] for n in names])
    lows = points - np.array([estimates[n][1] for n in names])
    highs = np.array([estimates[n][2] for n in names]) - points
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(names) + 1.5))
    ax.errorbar(points, range(len(names)), xerr=[lows, highs], fmt="o", capsize=4)
    ax.axvline(0.5, color="grey", linestyle="--")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlim(0, 1)
    ax.set_xlabel(label)
    return _save(fig, path)


def summary_plots(
    frame: pd.DataFrame, matrices: dict[str, np.ndarray], directory: Path, *, reps: int, seed: int
) -> list[tuple[str, Path]]:
    """Write the three summary plots into ``directory``; returns (title, path) pairs."""
    directory.mkdir(parents=True, exist_ok=True)
    estimates = aggregate_estimates(matrices, reps=reps, seed=seed)
    out = []
    if estimates:
        out.append(
            (
                "Aggregate normalized score",
                plot_aggregate_intervals(estimates, directory / "aggregate_scores.png"),
            )
        )
        with seeded_bootstrap(seed):
            profiles = plot_performance_profiles(
                matrices, directory / "performance_profiles.png", reps=min(reps, 2000)
            )
        out.append(("Performance profiles", profiles))
    out.append(
        (
            "Normalized score per environment",
            plot_score_distributions(frame, directory / "score_distributions.png"),
        )
    )
    return out


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
