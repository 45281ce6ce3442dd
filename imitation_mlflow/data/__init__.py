"""Trajectories, transitions and rolling them out from policies."""

from imitation_mlflow.data.rollouts import generate_trajectories
from imitation_mlflow.data.trajectories import (
    Trajectory,
    Transitions,
    flatten_trajectories,
    trajectory_stats,
)

__all__ = [
    "Trajectory",
    "Transitions",
    "flatten_trajectories",
    "generate_trajectories",
    "trajectory_stats",
]
