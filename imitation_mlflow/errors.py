"""Errors a user can cause and fix; the CLI turns them into one message and exit code 2."""

from __future__ import annotations

from pathlib import Path


class UserError(ValueError):
    """A mistake in what the user asked for (unknown key, missing file, ...).

    The message names the fix. Raised before any work starts whenever possible.
    """


def unknown_choice(kind: str, value: str, choices: list[str] | tuple[str, ...]) -> UserError:
    """Build the error for an unknown name, listing every valid choice."""
    listed = ", ".join(sorted(choices))
    return UserError(f"unknown {kind} {value!r}; valid choices: {listed}")


def regular_file(path: str | Path, kind: str) -> Path:
    """``path`` as a ``Path`` if it names an existing regular file, else a ``UserError``.

    Checked before opening, so a folder, a fifo (which would block) or a device given where
    a file is expected is one clear line, not a hang or a traceback.
    """
    found = Path(path)
    if not found.exists():
        raise UserError(f"{kind} {str(path)!r} does not exist; pass an existing file")
    if not found.is_file():
        raise UserError(f"{kind} {str(path)!r} is not a regular file; pass a file")
    return found
