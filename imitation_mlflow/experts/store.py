"""Resolve which expert a run uses and load it."""

from __future__ import annotations

import dataclasses
import hashlib
from importlib import resources
from pathlib import Path

from stable_baselines3 import PPO

from imitation_mlflow.errors import UserError
from imitation_mlflow.paths import repo_name


@dataclasses.dataclass(frozen=True)
class ExpertRef:
    """A resolved expert: where its SB3 PPO zip lies and how we found it."""

    path: Path
    source: str
    """``path`` (given explicitly) or ``shipped`` (package data)."""
    sha256: str


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
    return [_gym_id_of(name) for name in names]


def _gym_id_of(name: str) -> str:
    # ppo-seals-CartPole-v0 -> seals/CartPole-v0
    _, namespace, rest = name.split("-", 2)
    return f"{namespace}/{rest}"


def resolve_expert(gym_id: str, explicit_path: str | None) -> ExpertRef:
    """Find the expert for ``gym_id``: the explicit path first, then the shipped one."""
    if explicit_path:
        path = Path(explicit_path).expanduser()
        if not path.is_file():
            raise UserError(
                f"expert file {explicit_path!r} does not exist; pass the path of an SB3 PPO zip "
                "as expert.path=... (or --expert-path)"
            )
        return ExpertRef(path=path.resolve(), source="path", sha256=file_sha256(path))
    shipped = shipped_expert_path(gym_id)
    if shipped is not None:
        return ExpertRef(path=shipped, source="shipped", sha256=file_sha256(shipped))
    raise UserError(
        f"no expert available for {gym_id}: pass an SB3 PPO zip as expert.path=/path/to/ppo.zip "
        f"(or --expert-path); experts ship with the package for: {', '.join(shipped_envs())}"
    )


def load_expert(ref: ExpertRef) -> PPO:
    """Load the expert's SB3 PPO model on the CPU; a broken file is a ``UserError``."""
    try:
        return PPO.load(ref.path, device="cpu")
    except Exception as exc:  # SB3 raises many kinds for a bad zip
        raise UserError(
            f"could not load expert {str(ref.path)!r} as an SB3 PPO zip ({exc}); "
            "pass a file saved by stable-baselines3 PPO.save"
        ) from exc


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, recorded so a run says exactly which expert it used."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
