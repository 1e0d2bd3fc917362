"""Exceptions raised by the audio package."""


class AudioFormatError(ValueError):
    """Input that is not audio this package can read, or a request it cannot encode."""


class ModelUnavailableError(RuntimeError):
    """A speech model is missing locally; models are never downloaded."""


class RecognizerFailedError(RuntimeError):
    """A speech recognition call failed (the remote service was unreachable, timed out or
    answered with an error); the message names the service and the cause."""
