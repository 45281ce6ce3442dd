"""The experts shipped with the package (``shipped/``), and how each was trained and scored."""

from __future__ import annotations

import dataclasses
import tomllib
from importlib import resources
from pathlib import Path

from imitation_mlflow.config.env_ids import gym_id_of_repo, repo_name


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShippedExpert:
    """How a shipped expert was trained and how good it is (``shipped/experts.toml``)."""

    command: str
    timesteps: int
    minutes: float
    return_sampled: float
    """Mean return over 50 episodes, sampled actions (as demonstrations are rolled out)."""
    return_deterministic: float
    hub_return: float
    """The hub expert's published return, for comparison."""

    @property
    def beats_hub(self) -> bool:
        """Whether ``auto`` should prefer it to the hub's expert."""
        return self.return_sampled >= self.hub_return


def shipped_experts() -> dict[str, ShippedExpert]:
    """The shipped experts' records, keyed by environment id."""
    text = resources.files("imitation_mlflow.experts").joinpath("shipped/experts.toml").read_text()
    return {gym_id: ShippedExpert(**record) for gym_id, record in tomllib.loads(text).items()}


def shipped_expert_path(gym_id: str) -> Path | None:
    """Return the expert shipped with the package for ``gym_id``, if there is one."""
    name = repo_name(gym_id)
    candidate = resources.files("imitation_mlflow.experts").joinpath(f"shipped/{name}/{name}.zip")
    path = Path(str(candidate))
    return path if path.is_file() else None


def shipped_envs() -> list[str]:
    """Environment ids that have an expert shipped with the package."""
    root = Path(str(resources.files("imitation_mlflow.experts").joinpath("shipped")))
    names = sorted(p.name for p in root.iterdir() if (p / f"{p.name}.zip").is_file())
    return [gym_id_of_repo(name) for name in names]
