"""Every bad input a user can type is refused before any work: exit code 2, one line naming
the problem and the fix, no traceback, and no run or file left behind.

The commands run in-process through the real click app (``CliRunner``), against a real
SQLite store in a fresh folder, so the ~70 cases cost seconds rather than ~70 interpreter
start-ups.
"""

from __future__ import annotations

import os
import signal
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlflow import MlflowClient

from imitation_mlflow.cli import cli
from imitation_mlflow.run.signals import STOP_SIGNALS

pytestmark = pytest.mark.e2e

Setup = Callable[[Path], None]


def _fifo(name: str) -> Setup:
    return lambda root: os.mkfifo(root / name)


def _file(name: str, text: str = "") -> Setup:
    return lambda root: (root / name).write_text(text)


def _folder(name: str) -> Setup:
    return lambda root: (root / name).mkdir()


def _empty_zip(name: str) -> Setup:
    def make(root: Path) -> None:
        with zipfile.ZipFile(root / name, "w"):
            pass

    return make


def _experiment(name: str) -> Setup:
    return lambda root: MlflowClient(f"sqlite:///{root / 'mlflow.db'}").create_experiment(name)


@dataclass(frozen=True)
class Bad:
    """One bad command line, the words its error must contain, and what it needs on disk."""

    args: tuple[str, ...]
    says: str
    setup: Setup | None = None
    env: dict[str, str] = field(default_factory=dict)


T = ("train", "bc", "seals_cartpole")
DOWN = {"MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}

CASES: dict[str, Bad] = {
    # train: config values
    "batch size too big": Bad((*T, "--set", "bc.batch_size=1e99"), "bc.batch_size"),
    "negative lr": Bad((*T, "--set", "bc.lr=-1"), "bc.lr"),
    "zero lr": Bad((*T, "--set", "bc.lr=0"), "bc.lr"),
    "nan lr": Bad((*T, "--set", "bc.lr=nan"), "bc.lr"),
    "infinite lr": Bad((*T, "--set", "bc.lr=inf"), "bc.lr"),
    "text lr": Bad((*T, "--set", "bc.lr=fast"), "bc.lr"),
    "zero epochs": Bad((*T, "--set", "bc.n_epochs=0"), "bc.n_epochs"),
    "fractional epochs": Bad((*T, "--set", "bc.n_epochs=1.5"), "bc.n_epochs"),
    "text batch size": Bad((*T, "--set", "bc.batch_size=abc"), "bc.batch_size"),
    "negative l2": Bad((*T, "--set", "bc.l2_weight=-1"), "bc.l2_weight"),
    "zero log interval": Bad((*T, "--set", "bc.log_interval=0"), "bc.log_interval"),
    "unknown key": Bad((*T, "--set", "bc.bogus=1"), "bc.bogus"),
    "assignment without =": Bad((*T, "--set", "bc.lr"), "KEY=VALUE"),
    "zero eval episodes": Bad((*T, "--set", "policy_evaluation.n_episodes_eval=0"), "n_episodes"),
    "zero demos": Bad((*T, "--set", "demonstrations.n_expert_demos=0"), "n_expert_demos"),
    "zero envs": Bad((*T, "--set", "environment.num_vec=0"), "num_vec"),
    "zero-width layer": Bad((*T, "--set", "policy.net_arch=[0]"), "net_arch"),
    "negative width": Bad((*T, "--set", "policy.net_arch=[-4]"), "net_arch"),
    "negative checkpoint minutes": Bad(
        (*T, "--set", "checkpoint_minutes=-1"), "checkpoint_minutes"
    ),
    "nan checkpoint minutes": Bad((*T, "--set", "checkpoint_minutes=nan"), "checkpoint_minutes"),
    "negative dagger steps": Bad(
        ("train", "dagger", "seals_cartpole", "--set", "dagger.total_timesteps=-10"),
        "total_timesteps",
    ),
    "dagger bad beta schedule": Bad(
        ("train", "dagger", "seals_cartpole", "--set", "dagger.beta_schedule=sometimes"),
        "beta_schedule",
    ),
    "negative gail steps": Bad(
        ("train", "gail", "seals_cartpole", "--set", "total_timesteps=-1"), "total_timesteps"
    ),
    "nan gail steps": Bad(
        ("train", "airl", "seals_cartpole", "--set", "total_timesteps=nan"), "total_timesteps"
    ),
    # train: seeds, names, files, store
    "negative seed": Bad((*T, "--seed", "-1"), "seed"),
    "seed too big": Bad((*T, "--seed", str(2**32)), "seed"),
    "reversed seed range": Bad((*T, "--seeds", "5-2"), "seeds"),
    "text seed range": Bad((*T, "--seeds", "a-b"), "seeds"),
    "unknown algorithm": Bad(("train", "bogus", "seals_cartpole"), "bogus"),
    "unknown env": Bad(("train", "bc", "seals_nowhere"), "seals_nowhere"),
    "missing config file": Bad((*T, "--config-file", "missing.toml"), "missing.toml"),
    "config file is a fifo": Bad(
        (*T, "--config-file", "pipe.toml"), "pipe.toml", _fifo("pipe.toml")
    ),
    "config file is a folder": Bad((*T, "--config-file", "cfg"), "cfg", _folder("cfg")),
    "config file not toml": Bad(
        (*T, "--config-file", "bad.toml"), "bad.toml", _file("bad.toml", "[[[ nope")
    ),
    "unknown named config": Bad((*T, "--config", "no_such_config"), "no_such_config"),
    "missing expert": Bad((*T, "--expert-path", "gone.zip"), "gone.zip"),
    "expert is a folder": Bad((*T, "--expert-path", "experts"), "experts", _folder("experts")),
    "expert is not a zip": Bad((*T, "--expert-path", "e.zip"), "e.zip", _file("e.zip", "x")),
    "server down (train)": Bad(T, "MLFLOW_TRACKING_URI", env=DOWN),
    # tune
    "zero trials": Bad(("tune", "bc", "seals_cartpole", "--trials", "0"), "--trials"),
    "zero tuning jobs": Bad(("tune", "bc", "seals_cartpole", "--jobs", "0"), "--jobs"),
    "zero repeats": Bad(("tune", "bc", "seals_cartpole", "--repeat", "0"), "--repeat"),
    "negative eval seeds": Bad(("tune", "bc", "seals_cartpole", "--eval-seeds", "-1"), "eval"),
    "unknown sampler": Bad(("tune", "bc", "seals_cartpole", "--sampler", "grid"), "grid"),
    "bad storage": Bad(("tune", "bc", "seals_cartpole", "--storage", "nosuch://x"), "storage"),
    "missing space file": Bad(("tune", "bc", "seals_cartpole", "--space", "s.toml"), "s.toml"),
    "tune unknown key": Bad(("tune", "bc", "seals_cartpole", "--set", "bc.bogus=2"), "bc.bogus"),
    "server down (tune)": Bad(("tune", "bc", "seals_cartpole"), "MLFLOW_TRACKING_URI", env=DOWN),
    # benchmark
    "zero suite jobs": Bad(("benchmark", "run", "--jobs", "0"), "--jobs"),
    "zero seeds": Bad(("benchmark", "run", "--seeds", "0"), "--seeds"),
    "unknown suite algo": Bad(("benchmark", "run", "--algos", "ppo"), "ppo"),
    "unknown suite env": Bad(("benchmark", "run", "--envs", "seals_moon"), "seals_moon"),
    "text seed list": Bad(("benchmark", "run", "--seed-list", "a,b"), "seed"),
    "negative seed list": Bad(("benchmark", "run", "--seed-list", "0,-3"), "seed"),
    "suite unknown key": Bad(("benchmark", "run", "--quick", "--set", "bc.bogus=1"), "bc.bogus"),
    "negative commands seeds": Bad(("benchmark", "commands", "--seeds", "-1"), "--seeds"),
    "slurm output folder missing": Bad(
        ("benchmark", "slurm", "--output", "nowhere/x.sbatch"), "nowhere"
    ),
    "slurm negative concurrency": Bad(
        ("benchmark", "slurm", "--max-concurrent", "-3"), "--max-concurrent"
    ),
    "server down (suite)": Bad(("benchmark", "run", "--quick"), "MLFLOW_TRACKING_URI", env=DOWN),
    # runs reap
    "reap threshold too short": Bad(("runs", "reap", "--older-than", "1s"), "--older-than"),
    "reap threshold not a duration": Bad(("runs", "reap", "--older-than", "soon"), "soon"),
    "reap unknown experiment": Bad(("runs", "reap", "--experiment", "nope"), "nope"),
    # export / import
    "export unknown experiment": Bad(("export", "sacred", "outx", "--experiment", "nope"), "nope"),
    "export unknown suite": Bad(
        ("export", "sacred", "outx", "--suite", "deadbeef"), "deadbeef", _experiment("imitation")
    ),
    "export onto a file": Bad(("export", "sacred", "taken"), "taken", _file("taken", "x")),
    "import missing path": Bad(("import", "sacred", "gone"), "gone"),
    "import empty folder": Bad(("import", "sacred", "empty"), "empty", _folder("empty")),
    "import empty zip": Bad(("import", "sacred", "e.zip"), "e.zip", _empty_zip("e.zip")),
    "import fifo": Bad(("import", "sacred", "pipe"), "pipe", _fifo("pipe")),
    # analysis
    "summary without source": Bad(("summarize", "csv"), "SOURCE"),
    "summary with both sources": Bad(("summarize", "csv", "a", "--experiment", "b"), "SOURCE"),
    "summary unknown experiment": Bad(("summarize", "csv", "nope"), "nope"),
    "summary zero reps": Bad(
        ("summarize", "markdown", "nope", "--output", "o.md", "--reps", "0"), "--reps"
    ),
    "summary output under a file": Bad(
        ("summarize", "markdown", "x", "--output", "taken/o.md"), "taken", _file("taken", "x")
    ),
    "summary server down": Bad(
        ("summarize", "csv", "--experiment", "x", "--tracking-uri", "http://127.0.0.1:9"),
        "MLFLOW_TRACKING_URI",
    ),
    "compare unknown experiments": Bad(
        ("compare", "nope", "nope2", "--baseline-algo", "bc"), "nope"
    ),
    "compare zero reps": Bad(
        ("compare", "a", "b", "--baseline-algo", "bc", "--reps", "0"), "--reps"
    ),
    # experts
    "expert negative steps": Bad(
        ("expert", "train", "seals_cartpole", "--timesteps", "-5"), "--timesteps"
    ),
    "expert zero eval episodes": Bad(
        ("expert", "train", "seals_cartpole", "--eval-episodes", "0"), "--eval-episodes"
    ),
    "expert unknown env": Bad(("expert", "train", "seals_nowhere"), "seals_nowhere"),
    "expert push missing zip": Bad(
        ("expert", "push", "seals_cartpole", "--repo-id", "me/x", "--expert-path", "gone.zip"),
        "gone.zip",
    ),
    "untrusted hub expert": Bad(
        (*T, "--set", "expert.source=hub", "--set", "expert.repo_id=stranger/ppo-x"), "stranger"
    ),
    "untrusted pull": Bad(("expert", "pull", "seals_cartpole", "--organization", "x"), "trust"),
    "expert push bad repo id": Bad(
        ("expert", "push", "seals_cartpole", "--repo-id", "no slash"), "repo"
    ),
}


@pytest.fixture
def fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """cwd and the default SQLite store in an empty folder; signal handlers restored after."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("IMITATION_MLFLOW_CACHE", str(tmp_path.parent / f"{tmp_path.name}-cache"))
    for key in ("MLFLOW_RUN_ID", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    handlers = {signum: signal.getsignal(signum) for signum in (*STOP_SIGNALS, signal.SIGALRM)}
    signal.signal(signal.SIGALRM, _hung)
    signal.alarm(CASE_TIMEOUT_S)
    yield tmp_path
    signal.alarm(0)
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


CASE_TIMEOUT_S = 60
"""A refused input is refused in seconds; a case that runs longer has started real work."""


def _hung(signum: int, frame: object) -> None:
    raise TimeoutError(f"no refusal within {CASE_TIMEOUT_S} s: the command went on working")


def test_there_are_at_least_sixty_bad_inputs() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_before_any_work(
    name: str, fresh_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    if case.setup is not None:
        case.setup(fresh_folder)
    before = set(fresh_folder.rglob("*"))
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(cli, list(case.args))
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: ") and case.says in lines[-1], result.stderr
    assert "Traceback" not in result.output
    left = {p for p in set(fresh_folder.rglob("*")) - before if p.name != "mlflow.db"}
    assert not left, sorted(str(p.relative_to(fresh_folder)) for p in left)
    store = fresh_folder / "mlflow.db"
    if store.exists():
        client = MlflowClient(f"sqlite:///{store}")
        experiments = [e.experiment_id for e in client.search_experiments()]
        assert not client.search_runs(experiments, run_view_type=3)
