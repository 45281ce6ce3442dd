"""The layering rules of DESIGN.md, checked on the source (import-linter checks them in CI too),
and the torch-free start of the command line."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "imitation_mlflow"


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _modules_importing(root: str) -> set[str]:
    return {
        str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if root in _imported_roots(p)
    }


def test_algorithms_never_import_mlflow_optuna_click():
    for path in (PACKAGE / "algorithms").rglob("*.py"):
        assert not {"mlflow", "optuna", "click"} & _imported_roots(path), path


def test_only_tracking_imports_mlflow():
    assert all(m.startswith("tracking/") for m in _modules_importing("mlflow"))


def test_only_cli_imports_click():
    importers = _modules_importing("click")
    assert importers and all(m.startswith("cli/") for m in importers), importers


def test_only_tuning_imports_optuna():
    importers = _modules_importing("optuna")
    assert importers and all(m.startswith("tuning/") for m in importers), importers


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(done.stdout.split())


def test_registry_and_command_line_load_without_the_ml_stack():
    loaded = _loaded_after(
        "from imitation_mlflow.config.registry import ALGORITHMS\n"
        "from imitation_mlflow.cli import cli\n"
        "from imitation_mlflow.scripts.train_imitation import train_imitation_ex"
    )
    assert not {"torch", "stable_baselines3", "gymnasium", "mlflow", "optuna"} & loaded


def test_every_help_loads_without_the_ml_stack():
    # Every `--help` in one interpreter: the command line's start-up stays under a second.
    loaded = _loaded_after(
        "import contextlib, io\n"
        "from imitation_mlflow.cli import cli\n"
        "def walk(command, path):\n"
        "    yield path\n"
        "    for name, sub in getattr(command, 'commands', {}).items():\n"
        "        yield from walk(sub, [*path, name])\n"
        "for path in list(walk(cli, [])):\n"
        "    try:\n"
        "        with contextlib.redirect_stdout(io.StringIO()):\n"
        "            cli.main([*path, '--help'], prog_name='imitation-mlflow')\n"
        "    except SystemExit as stop:\n"
        "        assert stop.code == 0, (path, stop.code)\n"
        "    assert not {'torch', 'mlflow'} & set(sys.modules), path"
    )
    assert len([name for name in loaded if name.startswith("imitation_mlflow.cli.")]) >= 6
    assert not {"torch", "stable_baselines3", "gymnasium", "mlflow", "optuna"} & loaded
