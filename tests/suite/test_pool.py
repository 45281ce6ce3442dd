import sys
import time

import pytest

from imitation_mlflow.suite.pool import ProcessPool


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_runs_everything_at_most_jobs_at_once_with_logs(tmp_path):
    commands = {f"ok{i}": _python(f"print('run {i}')") for i in range(3)}
    commands["bad"] = _python("import sys; sys.exit(3)")
    peak = []
    with ProcessPool(2, log_dir=tmp_path) as pool:
        pool.submit(commands)
        result = pool.wait(on_change=lambda: peak.append(len(pool.running)))
    assert sorted(result.finished) == ["ok0", "ok1", "ok2"] and result.failed == ["bad"]
    assert max(peak) <= 2
    assert (tmp_path / "ok1.log").read_text() == "run 1\n"


def test_leaving_early_stops_the_children(tmp_path):
    marker = tmp_path / "ended"
    code = (
        "import signal, sys, time, pathlib\n"
        f"signal.signal(signal.SIGTERM, lambda *a: (pathlib.Path({str(marker)!r}).touch(), "
        "sys.exit(1)))\n"
        "time.sleep(60)"
    )
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), ProcessPool(2) as pool:
        pool.submit({"a": _python(code), "b": _python(code), "c": _python(code)})
        time.sleep(1.0)
        raise KeyboardInterrupt
    assert marker.exists() and time.monotonic() - started < 30
    assert not pool.running and not pool.pending
