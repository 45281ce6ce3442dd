"""Build small sacred run trees for tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from imitation_mlflow.export.sacred_writer import sacred_run_record, write_run_folder


def write_run(
    root: Path,
    n: int,
    *,
    algo: str,
    env_id: str,
    seed: int,
    score: float | None,
    expert: float = 100.0,
    random: float | None = 0.0,
    status: str = "COMPLETED",
) -> Path:
    script = "train_adversarial" if algo in ("gail", "airl") else "train_imitation"
    result = None
    if score is not None:
        result = {
            "imit_stats": {"monitor_return_mean": score, "n_traj": 50},
            "expert_stats": {"monitor_return_mean": expert, "n_traj": 104},
        }
        if random is not None:
            result["random_stats"] = {"monitor_return_mean": random}
    run = sacred_run_record(
        command=algo,
        experiment=script,
        status=status,
        result=result,
        start_time=datetime(2026, 1, 1, 12, 0, 0),
        stop_time=datetime(2026, 1, 1, 12, 5, 0),
    )
    config = {"environment": {"gym_id": env_id}, "seed": seed, algo: {}}
    return write_run_folder(root / "sacred" / script / str(n), run=run, config=config)
