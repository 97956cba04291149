"""`crosscheck report --html PATH`: compare, written as one HTML page (crosscheck/reports/html.py).

The same run as `crosscheck compare --html PATH`: the same flags, table, outputs and exit status;
the page is written from that run's results.
"""

from . import compare


def run(args) -> int:
    return compare.run(args)
