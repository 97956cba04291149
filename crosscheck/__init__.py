"""nn-crosscheck's harness: cases, tolerances, comparisons and the precision preflight.

Imports flow one way: reference <- ports <- crosscheck <- tests and the command line.
"""
