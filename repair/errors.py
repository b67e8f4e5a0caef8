"""Exceptions the library raises; only the CLI turns them into messages and exit codes."""


class UnspinError(Exception):
    """Base class for errors a user can act on."""


class ModelNotFoundError(UnspinError):
    """A model or data file the pipeline needs is missing."""


class InputError(UnspinError):
    """Input text or file that cannot be processed (binary, undecodable, unreadable)."""


class UnknownKindError(UnspinError, ValueError):
    """A detector or restorer kind (or another registry key) that is not registered."""

    def __init__(self, what: str, value: object, choices):
        self.value = value
        self.choices = sorted(choices)
        super().__init__(f"unknown {what} {value!r}; choose from {self.choices}")
