import time

import mlflow
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from imitation_mlflow.tracking.writer import BufferedMetricWriter


def test_buffered_writer_keeps_every_point(mlflow_store):
    client = MlflowClient()
    experiment_id = client.create_experiment("writer")
    run_id = client.create_run(experiment_id).info.run_id
    writer = BufferedMetricWriter(client, run_id, max_buffer=1000)
    for step in range(2500):
        writer.record("bc/loss", 1.0 / (step + 1), step)
    assert len(client.get_metric_history(run_id, "bc/loss")) == 2000  # two full buffers
    writer.flush()
    history = client.get_metric_history(run_id, "bc/loss")
    assert len(history) == 2500
    assert {m.step for m in history} == set(range(2500))
    client.set_terminated(run_id)
    assert mlflow.get_run(run_id).info.status == "FINISHED"


def test_buffered_writer_writes_points_that_waited_too_long(mlflow_store):
    client = MlflowClient()
    run_id = client.create_run(client.create_experiment("slow")).info.run_id
    writer = BufferedMetricWriter(client, run_id, max_buffer=1000, max_delay_s=0.2)
    writer.record("ppo/loss", 1.0, 0)
    assert not client.get_metric_history(run_id, "ppo/loss")  # a fresh point waits
    time.sleep(0.3)
    writer.record("ppo/loss", 0.5, 1)  # the first point has now waited past the limit
    assert [m.step for m in client.get_metric_history(run_id, "ppo/loss")] == [0, 1]


def test_a_resumed_run_does_not_log_a_point_twice(mlflow_store):
    client = MlflowClient()
    run_id = client.create_run(client.create_experiment("resumed")).info.run_id
    first = BufferedMetricWriter(client, run_id)
    for step in range(5):
        first.record("gen/round", float(step), step)
        first.record("time/fps", 100.0 + step, step)
    first.flush()
    again = BufferedMetricWriter(client, run_id)
    again.skip_logged()
    for step in range(3, 8):  # rounds 3-4 computed again after the checkpoint at round 2
        again.record("gen/round", float(step), step)
        again.record("time/fps", 200.0 + step, step)
    again.flush()
    rounds = client.get_metric_history(run_id, "gen/round")
    assert sorted(m.step for m in rounds) == list(range(8))
    fps = client.get_metric_history(run_id, "time/fps")  # wall-clock values differ: kept
    assert sorted(m.step for m in fps) == [0, 1, 2, 3, 3, 4, 4, 5, 6, 7]


class _FlakyStore(MlflowClient):
    """A real SQLite client whose first ``failures`` batch writes fail as a down server's do."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def log_batch(self, *args, **kwargs):
        if self.failures > 0:
            self.failures -= 1
            raise MlflowException("API request failed: Connection refused")
        return super().log_batch(*args, **kwargs)


def test_a_store_outage_loses_no_point(mlflow_store):
    client = _FlakyStore(failures=3)
    run_id = client.create_run(client.create_experiment("outage")).info.run_id
    writer = BufferedMetricWriter(client, run_id, max_buffer=100)
    writer.retry_pauses_s = (0.05, 0.05)
    for step in range(250):  # the first writes fail; recording goes on, later tries catch up
        writer.record("bc/loss", 1.0, step)
        time.sleep(0.001)
    assert client.failures == 0
    writer.flush()
    assert [m.step for m in client.get_metric_history(run_id, "bc/loss")] == list(range(250))


def test_the_final_flush_gives_up_after_its_retries_and_keeps_the_points(mlflow_store):
    client = _FlakyStore(failures=10)
    run_id = client.create_run(client.create_experiment("down")).info.run_id
    writer = BufferedMetricWriter(client, run_id)
    writer.retry_pauses_s = (0.01, 0.01)
    writer.record("bc/loss", 1.0, 0)
    with pytest.raises(MlflowException):
        writer.flush()
    assert client.failures == 7  # three tries: the first and one after each pause
    client.failures = 0
    writer.flush()
    assert [m.step for m in client.get_metric_history(run_id, "bc/loss")] == [0]
