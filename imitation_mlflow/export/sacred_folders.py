"""Find sacred run folders under a directory tree or inside a zip, refusing escapes.

A run folder is one holding ``run.json`` or ``config.json`` (a complete one holds both).
Symlinked folders are not followed, so the ``<algo>/<env>/<time>/sacred`` links of an
exported layout do not count their runs twice; entries that resolve outside the input
(``..``, absolute paths, zip symlinks, links out of the tree) are refused.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from imitation_mlflow.errors import UserError

FILES = ("run.json", "config.json", "cout.txt", "metrics.json")
"""The files of a sacred run folder."""
RUN_FILES = ("run.json", "config.json")
"""The two that make a folder a run (status and result; config)."""


@dataclasses.dataclass(frozen=True)
class RunFolder:
    """One run folder's files, read into memory."""

    source: str
    """Where it is: the folder's path, or ``<zip>!<folder>``."""
    files: dict[str, bytes]


@dataclasses.dataclass
class FolderScan:
    """The run folders found, and the entries refused for pointing outside the input."""

    folders: list[RunFolder]
    refused: list[str]


def scan_folders(path: Path, names: tuple[str, ...] = FILES) -> FolderScan:
    """Every run folder under ``path`` (a directory or a ``.zip``), its files ``names`` read."""
    if not path.exists():
        raise UserError(f"{str(path)!r} does not exist; pass a folder of sacred runs or a .zip")
    if not (path.is_dir() or path.is_file()):
        raise UserError(f"{str(path)!r} is neither a folder nor a file; pass a folder or a .zip")
    scan = FolderScan([], [])
    found = _zip_folders(path, scan, names) if path.is_file() else _dir_folders(path, scan, names)
    scan.folders.extend(found)
    return scan


def _dir_folders(root: Path, scan: FolderScan, names: tuple[str, ...]) -> Iterator[RunFolder]:
    real_root = os.path.realpath(root)
    for dirpath, _dirs, filenames in os.walk(root):
        if not set(RUN_FILES) & set(filenames):
            continue
        files: dict[str, bytes] = {}
        for name in names:
            full = os.path.join(dirpath, name)
            if not os.path.lexists(full):
                continue
            if os.path.commonpath([os.path.realpath(full), real_root]) != real_root:
                scan.refused.append(full)
                continue
            with open(full, "rb") as handle:
                files[name] = handle.read()
        yield RunFolder(dirpath, files)


def _zip_folders(path: Path, scan: FolderScan, names: tuple[str, ...]) -> Iterator[RunFolder]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UserError(f"{str(path)!r} is not a readable zip file ({exc})") from exc
    with archive:
        folders: dict[str, dict[str, bytes]] = {}
        for info in archive.infolist():
            name = PurePosixPath(info.filename)
            escapes = name.is_absolute() or ".." in name.parts or "\\" in info.filename
            if escapes or stat.S_ISLNK(info.external_attr >> 16):
                scan.refused.append(info.filename)
                continue
            if name.name in names:
                folders.setdefault(str(name.parent), {})[name.name] = archive.read(info)
    for folder, files in sorted(folders.items()):
        if set(RUN_FILES) & set(files):
            yield RunFolder(f"{path}!{folder}", files)
