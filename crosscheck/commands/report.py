"""`crosscheck report --html PATH`: compare, written as one HTML page (crosscheck/reports/html.py).

The same run as `crosscheck compare --html PATH`: the same flags, table, outputs and exit status;
the page is written from that run's results, the article's worked examples and each port's code
included, which the run computes where each framework's cases run (its worker, or this process
with --jobs 1): the page only renders them.
"""

from . import compare


def run(args) -> int:
    return compare.run(args)
