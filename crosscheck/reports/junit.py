"""The compare report as JUnit XML, for CI dashboards: one testcase per implementation x
quantity, named like the table's rows, a failure carrying the same message as the table and
pytest (judge.Check.describe and its out-of-budget elements)."""

import xml.etree.ElementTree as ET

from ..engine.locator import describe as describe_divergence
from ..engine.suite import CaseReport
from .json import write_whole


def to_xml(reports: list[CaseReport], notes=()) -> ET.ElementTree:
    cases = [(r, c) for r in reports for c in r.checks]
    counts = {v: str(sum(c.verdict == v for _, c in cases)) for v in ("FAIL", "ERROR", "SKIP")}
    seconds = sum(r.train_seconds for r in reports if r.trained)
    totals = {"tests": str(len(cases)), "failures": counts["FAIL"], "errors": counts["ERROR"]}
    suites = ET.Element("testsuites", name="nn-crosscheck", **totals)
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="crosscheck compare",
        **totals,
        skipped=counts["SKIP"],
        time=f"{seconds:.3f}",
    )
    for report, check in cases:
        testcase = ET.SubElement(suite, "testcase", classname=report.case.id, name=check.quantity)
        trained = check.quantity == "trajectory" and report.trained
        testcase.set("time", f"{report.train_seconds:.3f}" if trained else "0")
        if check.outcome == "error":
            error = ET.SubElement(testcase, "error", message=check.describe(), type="port raised")
            error.text = check.traceback
        elif check.outcome == "skip":
            ET.SubElement(testcase, "skipped", message=check.note)
        elif not check.passed:
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
    tree = to_xml(reports, notes)
    write_whole(path, lambda out: tree.write(out, encoding="utf-8", xml_declaration=True), "the JUnit report")
