"""Printing into a pipe whose reader may leave early (`python -m nn_crosscheck.reference | head -1`)."""

import os
import sys
from collections.abc import Callable

SIGPIPE_STATUS = 141  # 128 + SIGPIPE: what a shell reports for a Unix tool killed by a closed pipe


def quietly_on_broken_pipe(run: Callable[[], int | None]) -> int:
    """Return `run()`'s exit status (None as 0); if the reader of stdout goes away, stop without
    a traceback and return SIGPIPE_STATUS, as a Unix tool does."""
    try:
        status = run()
        sys.stdout.flush()  # a pipe closed early breaks here, not at the interpreter's exit
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return SIGPIPE_STATUS
    return status or 0
