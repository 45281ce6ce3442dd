"""Parent runs: found again by their identity tags, one parent even when workers race."""

from __future__ import annotations

import subprocess
import sys
import time

import mlflow

from imitation_mlflow.tracking.parents import children, open_parent, start_child

RACE = """
import sys, time
from imitation_mlflow.tracking.parents import open_parent
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(open_parent("e", identity={"study": "s"}, run_name="p", params={"k": "v"}))
"""


def test_reopening_finds_the_same_parent_and_its_children(mlflow_store):
    first = open_parent("e", identity={"study": "s", "kind": "x"}, run_name="p", params={"a": 1})
    again = open_parent("e", identity={"study": "s", "kind": "x"}, run_name="p")
    assert again == first and mlflow.get_run(first).data.params == {"a": "1"}
    other = open_parent("e", identity={"study": "s", "kind": "y"}, run_name="q")
    assert other != first
    kids = [start_child(first, f"c{i}", {"n": str(i)}) for i in range(3)]
    assert sorted(r.info.run_id for r in children(first)) == sorted(kids)
    assert [r.info.run_id for r in children(first, where="tags.n = '1'")] == [kids[1]]


def test_workers_that_create_it_at_once_share_one(mlflow_store, tmp_path):
    mlflow.set_experiment("e")  # the store and experiment exist before the workers start
    start = time.time() + 5
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(start)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    ids = {worker.communicate(timeout=120)[0].strip() for worker in workers}
    assert len(ids) == 1
    active = mlflow.search_runs(experiment_names=["e"], output_format="list")
    assert [run.info.run_id for run in active] == list(ids)
