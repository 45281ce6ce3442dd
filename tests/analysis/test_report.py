import logging

import numpy as np
import pandas as pd
import pytest

from imitation_mlflow.analysis import (
    COLUMNS,
    add_normalized_scores,
    compare,
    pick_algo,
    score_matrix,
    summary_csv,
    summary_markdown,
)
from imitation_mlflow.errors import UserError


def _frame(rows):
    frame = pd.DataFrame(
        [
            dict(
                zip(["algo", "env_id", "seed", "status", "score"], r),
                expert_score=10.0,
                random_score=0.0,
                normalized_score=np.nan,
                source="t",
            )
            for r in rows
        ],
        columns=COLUMNS,
    )
    return add_normalized_scores(frame)


ROWS = [
    ("bc", "e1", 0, "COMPLETED", 8.0),
    ("bc", "e1", 1, "COMPLETED", 10.0),
    ("bc", "e2", 0, "COMPLETED", 4.0),
    ("bc", "e2", 1, "FAILED", np.nan),
    ("gail", "e1", 0, "COMPLETED", 9.0),
]


def test_normalized_score_by_hand():
    frame = _frame(ROWS)
    assert frame["normalized_score"].iloc[0] == pytest.approx(0.8)


def test_csv_published_format():
    text = summary_csv(_frame(ROWS))
    lines = text.splitlines()
    assert lines[0] == "algo, env, score, expert_score"
    assert lines[1] == "bc, e1, 8.0, 10.0"
    assert len(lines) == 1 + 4  # the failed run is left out
    with_status = summary_csv(_frame(ROWS), all_statuses=True).splitlines()
    assert with_status[0].endswith(", status") and "bc, e2, nan, 10.0, FAILED" in with_status


def test_score_matrix_truncates_with_warning(caplog):
    with caplog.at_level(logging.WARNING):
        matrix = score_matrix(_frame(ROWS), "bc", ["e1", "e2"])
    assert matrix.shape == (1, 2)
    np.testing.assert_allclose(matrix, [[0.8, 0.4]])
    assert "truncating" in caplog.text


def test_markdown_has_status_tables_and_aggregates():
    text = summary_markdown(_frame(ROWS), reps=200, seed=0, source="here")
    assert "## Run status" in text and "| FAILED | 1 |" in text
    assert "## bc" in text and "| e1 | 9.0 / 1.0 | 0.900 / 0.100 | 2 |" in text
    assert "## Aggregate normalized score" in text and "| gail | 0.900" in text
    assert text == summary_markdown(_frame(ROWS), reps=200, seed=0, source="here")


def test_markdown_without_failures_has_no_status_section():
    rows = [r for r in ROWS if r[3] == "COMPLETED"]
    assert "## Run status" not in summary_markdown(_frame(rows), reps=100, seed=0, source="x")


def test_compare_and_pick_algo():
    frame = _frame(ROWS)
    with pytest.raises(UserError, match="bc, gail"):
        pick_algo(frame, None, "RUNS")
    result = compare(frame, frame, algo="gail", baseline_algo="bc", reps=200, seed=0)
    assert result.envs == ["e1"]
    # gail 0.9 vs bc {0.8, 1.0}: one win, one loss -> 0.5
    assert result.estimates["e1"][0] == pytest.approx(0.5)
    assert result.runs["e1"] == (1, 2)
    assert result.to_dict()["probability_of_improvement"]["aggregate"]["point"] == pytest.approx(
        0.5
    )
