import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from imitation_mlflow.analysis import runs_frame
from imitation_mlflow.analysis.loading import load_runs, without_non_finite_scores
from imitation_mlflow.errors import UserError
from imitation_mlflow.export import RecordScan, read_records
from tests.sacred_runs import write_run


class Scan:
    """A folder read for analysis: its runs frame and what was skipped."""

    def __init__(self, scan: RecordScan) -> None:
        self.frame = runs_frame(scan.records)
        self.skipped = scan.skipped


def read_run_folders(path) -> Scan:
    return Scan(read_records(path))


def test_reads_nested_folders_and_skips_corrupt(tmp_path):
    write_run(tmp_path / "a", 1, algo="bc", env_id="seals/Hopper-v1", seed=0, score=50.0)
    write_run(
        tmp_path / "b" / "deeper",
        1,
        algo="gail",
        env_id="seals/Hopper-v1",
        seed=1,
        score=75.0,
        random=None,
    )
    bad = write_run(tmp_path / "c", 2, algo="bc", env_id="seals/Hopper-v1", seed=2, score=1.0)
    (bad / "run.json").write_text("{not json")
    partial = tmp_path / "d" / "sacred" / "train_imitation" / "3"
    partial.mkdir(parents=True)
    (partial / "run.json").write_text("{}")
    scan = read_run_folders(tmp_path)
    assert sorted(scan.frame["algo"]) == ["bc", "gail"]
    assert len(scan.skipped) == 2
    gail = scan.frame[scan.frame["algo"] == "gail"].iloc[0]
    assert gail["score"] == 75.0 and gail["expert_score"] == 100.0 and gail["seed"] == 1
    assert np.isnan(gail["random_score"]) and gail["status"] == "COMPLETED"


def test_symlinked_folders_are_not_counted_twice(tmp_path):
    run = write_run(tmp_path, 1, algo="bc", env_id="seals/Hopper-v1", seed=0, score=5.0)
    link_dir = tmp_path / "bc" / "seals-Hopper-v1" / "20260101_120000_abcdef"
    link_dir.mkdir(parents=True)
    (link_dir / "sacred").symlink_to(run)
    assert len(read_run_folders(tmp_path).frame) == 1


def test_reads_a_zip(tmp_path):
    tree = tmp_path / "tree"
    for seed in range(3):
        write_run(tree, seed + 1, algo="bc", env_id="seals/Swimmer-v1", seed=seed, score=seed)
    archive = tmp_path / "benchmark_runs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in tree.rglob("*"):
            if path.is_file():
                zf.write(path, path.relative_to(tree))
    frame = read_run_folders(archive).frame
    assert sorted(frame["seed"]) == [0, 1, 2]


def test_failed_runs_without_result_are_kept(tmp_path):
    write_run(tmp_path, 1, algo="bc", env_id="seals/Hopper-v1", seed=0, score=None, status="FAILED")
    frame = read_run_folders(tmp_path).frame
    assert frame["status"].tolist() == ["FAILED"] and np.isnan(frame["score"].iloc[0])


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_run_folders(tmp_path / "nope")
    (tmp_path / "x.zip").write_text("not a zip")
    with pytest.raises(UserError, match="not a readable zip"):
        read_run_folders(tmp_path / "x.zip")


def test_written_run_json_has_sacred_keys(tmp_path):
    folder = write_run(tmp_path, 1, algo="bc", env_id="seals/Hopper-v1", seed=0, score=5.0)
    run = json.loads((folder / "run.json").read_text())
    assert {
        "command",
        "status",
        "result",
        "start_time",
        "stop_time",
        "heartbeat",
        "host",
        "experiment",
        "meta",
    } <= set(run)


def test_non_finite_scores_are_skipped_and_named(tmp_path, caplog):
    write_run(tmp_path, 1, algo="bc", env_id="seals/Hopper-v1", seed=0, score=50.0)
    nan = write_run(tmp_path, 2, algo="bc", env_id="seals/Hopper-v1", seed=1, score=float("nan"))
    inf = write_run(tmp_path, 3, algo="bc", env_id="seals/Hopper-v1", seed=2, score=1.0)
    run_json = inf / "run.json"
    run_json.write_text(
        run_json.read_text().replace(
            '"monitor_return_mean": 100.0', '"monitor_return_mean": Infinity'
        )
    )
    scan = read_records(tmp_path)
    assert [r.tags["seed"] for r in scan.records] == ["0"]
    assert sorted(scan.skipped) == sorted([str(nan), str(inf)])
    frame = load_runs(str(tmp_path), measure_random=False)
    assert len(frame) == 1 and "skipped 2 corrupt or partial run folder(s)" in caplog.text


def test_a_frame_drops_completed_runs_with_non_finite_scores(caplog):
    frame = pd.DataFrame(
        {
            "algo": ["bc", "bc", "bc"],
            "env_id": ["e"] * 3,
            "seed": [0, 1, 2],
            "status": ["COMPLETED", "COMPLETED", "FAILED"],
            "score": [1.0, float("nan"), float("nan")],
            "expert_score": [2.0, 2.0, 2.0],
            "random_score": [0.0] * 3,
            "normalized_score": [float("nan")] * 3,
            "source": ["runs:/a", "runs:/b", "runs:/c"],
        }
    )
    kept = without_non_finite_scores(frame)
    assert list(kept["source"]) == ["runs:/a", "runs:/c"]  # a failed run has no score to judge
    assert "skipped 1 completed run(s) with a non-finite score: runs:/b" in caplog.text
