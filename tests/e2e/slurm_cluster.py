"""A real single-node SLURM (slurmctld + slurmd + munge) on 127.0.0.1, for one test session.

Everything (config, state, spool, logs, pid files) lives in a temporary folder; the daemons
are stopped by pid afterwards. Needs Debian's slurm-wlm and munge (``.ci/run`` installs them)
and root, as on the CI machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo")


def missing_tools() -> list[str]:
    """SLURM/munge programs this machine lacks (empty when a cluster can be started)."""
    return [tool for tool in DAEMONS if shutil.which(tool) is None]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(root: Path) -> str:
    host = socket.gethostname().split(".")[0]
    return "\n".join(
        [
            "ClusterName=imitationtest",
            # Free ports, so a second cluster on this machine (another test run) cannot clash.
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            f"SlurmctldHost={host}(127.0.0.1)",
            "AuthType=auth/munge",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "SlurmUser=root",
            f"StateSaveLocation={root}/state",
            f"SlurmdSpoolDir={root}/spool",
            f"SlurmctldPidFile={root}/slurmctld.pid",
            f"SlurmdPidFile={root}/slurmd.pid",
            f"SlurmctldLogFile={root}/slurmctld.log",
            f"SlurmdLogFile={root}/slurmd.log",
            "ReturnToService=2",
            "MpiDefault=none",
            f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} RealMemory=8000"
            " State=UNKNOWN",
            f"PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


def _wait_for_pid(path: Path, timeout: float = 20) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = path.read_text().strip() if path.exists() else ""
        if text:
            return int(text)
        time.sleep(0.2)
    raise RuntimeError(f"daemon did not write {path}; see the logs beside it")


@contextmanager
def slurm_cluster(root: Path, timeout: float = 60) -> Iterator[dict[str, str]]:
    """Start munge and SLURM under ``root``; yields the environment that reaches them."""
    for sub in ("state", "spool", "munge"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    conf = root / "slurm.conf"
    conf.write_text(_config(root))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    socket_path = root / "munge" / "munge.socket"
    env["MUNGE_SOCKET"] = str(socket_path)  # not read by SLURM; kept for debugging
    pids: list[int] = []
    try:
        subprocess.run(
            [
                "munged",
                "--force",
                f"--socket={socket_path}",
                f"--pid-file={root / 'munge' / 'munged.pid'}",
                f"--seed-file={root / 'munge' / 'munged.seed'}",
                f"--log-file={root / 'munge' / 'munged.log'}",
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        pids.append(_wait_for_pid(root / "munge" / "munged.pid"))
        # SLURM's auth/munge plugin talks to the default socket path; point it there.
        default_socket = Path("/run/munge/munge.socket.2")
        default_socket.parent.mkdir(parents=True, exist_ok=True)
        if not default_socket.exists():
            default_socket.symlink_to(socket_path)
        for daemon in ("slurmctld", "slurmd"):
            subprocess.run([daemon, "-f", str(conf)], check=True, env=env, capture_output=True)
            pids.append(_wait_for_pid(root / f"{daemon}.pid"))
        deadline = time.time() + timeout
        while time.time() < deadline:
            state = subprocess.run(
                ["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True
            ).stdout.strip()
            if state in ("idle", "mixed", "allocated"):
                break
            time.sleep(1)
        else:
            raise RuntimeError(f"SLURM node not ready: {state!r}; logs in {root}")
        yield env
    finally:
        for pid in reversed(pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        link = Path("/run/munge/munge.socket.2")
        if link.is_symlink() and Path(os.readlink(link)) == socket_path:
            link.unlink()
