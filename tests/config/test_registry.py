import inspect
from pathlib import Path

import pytest
import yaml

from imitation_mlflow.config import AdversarialConfig, ImitationConfig
from imitation_mlflow.config.registry import ALGORITHMS, algorithm, algorithms_of, config_classes
from imitation_mlflow.errors import UserError

REPO = Path(__file__).resolve().parents[2]


def test_each_spec_names_a_builder_of_its_run():
    assert list(ALGORITHMS) == ["bc", "dagger", "gail", "airl"]
    for name, spec in ALGORITHMS.items():
        assert spec.name == name
        builder = spec.load_builder()
        assert list(inspect.signature(builder).parameters) == ["ctx"], name


def test_scripts_and_config_classes():
    assert algorithms_of("train_imitation") == ["bc", "dagger"]
    assert algorithms_of("train_adversarial") == ["gail", "airl"]
    assert config_classes() == {
        "train_imitation": ImitationConfig,
        "train_adversarial": AdversarialConfig,
    }
    with pytest.raises(UserError, match="valid choices: airl, bc, dagger, gail"):
        algorithm("gial")


def test_mlproject_has_an_entry_point_per_algorithm():
    project = yaml.safe_load((REPO / "MLproject").read_text())
    points = project["entry_points"]
    assert set(points) == {*ALGORITHMS, "main"}
    for name in ALGORITHMS:
        assert points[name]["command"].startswith(f"imitation-mlflow train {name} {{env}}")
        assert set(points[name]["parameters"]) == {"env", "seed", "overrides"}
