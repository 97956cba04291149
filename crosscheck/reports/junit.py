"""The compare report as JUnit XML, for CI dashboards: one testcase per implementation x
quantity, named like the table's rows, a failure carrying the same message as the table and
pytest (judge.Check.describe and its out-of-budget elements)."""

import xml.etree.ElementTree as ET

from ..engine.locator import describe as describe_divergence
from ..engine.suite import CaseReport
from ..errors import UsageError


def to_xml(reports: list[CaseReport], notes=()) -> ET.ElementTree:
    cases = [(r, c) for r in reports for c in r.checks]
    failures = sum(not c.passed for _, c in cases)
    seconds = sum(r.train_seconds for r in reports)
    suites = ET.Element("testsuites", name="nn-crosscheck", tests=str(len(cases)), failures=str(failures))
    suite = ET.SubElement(
        suites, "testsuite", name="crosscheck compare", tests=str(len(cases)),
        failures=str(failures), errors="0", skipped="0", time=f"{seconds:.3f}",
    )  # fmt: skip
    for report, check in cases:
        testcase = ET.SubElement(suite, "testcase", classname=report.case.id, name=check.quantity)
        testcase.set("time", f"{report.train_seconds:.3f}" if check.quantity == "trajectory" else "0")
        if not check.passed:
            failure = ET.SubElement(testcase, "failure", message=check.describe(), type="disagreement")
            lines = [check.describe(), *check.failures()]
            if report.divergence and check.quantity == "trajectory":
                lines.append(describe_divergence(report.divergence))
            failure.text = "\n".join(lines)
    if notes:
        ET.SubElement(suite, "system-out").text = "\n".join(notes)
    ET.indent(suites)
    return ET.ElementTree(suites)


def write_junit(reports: list[CaseReport], path: str, notes=()) -> None:
    try:
        to_xml(reports, notes).write(path, encoding="utf-8", xml_declaration=True)
    except OSError as error:
        raise UsageError(f"{path}: cannot write the JUnit report: {error.strerror or error}") from None
