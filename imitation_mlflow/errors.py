"""Errors a user can cause and fix; the CLI turns them into one message and exit code 2."""


class UserError(ValueError):
    """A mistake in what the user asked for (unknown key, missing file, ...).

    The message names the fix. Raised before any work starts whenever possible.
    """


def unknown_choice(kind: str, value: str, choices: list[str] | tuple[str, ...]) -> UserError:
    """Build the error for an unknown name, listing every valid choice."""
    listed = ", ".join(sorted(choices))
    return UserError(f"unknown {kind} {value!r}; valid choices: {listed}")
