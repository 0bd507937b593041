"""The one error type that carries a message meant for the user.

Anything raised as a ``ColorizerError`` is shown to the user as one line (CLI: stderr and exit 2;
app: a dialog). Any other exception is a bug and is reported as an internal error.
"""


class ColorizerError(Exception):
    """A problem with the user's input or environment, described in one human line."""
