"""The one exception type the command line turns into a clear line and exit status 2."""


class UsageError(Exception):
    """Bad input from the user: an unknown name, an absent device, a malformed weights file."""
