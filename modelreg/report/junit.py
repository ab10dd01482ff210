"""`--output-format junit`: JUnit XML, one test suite per file and one failing test case per
diagnostic (a passing `modelreg` case when there is none), as CI test-report widgets read it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Dict, List

from .text import display_path


def render(report, color: bool = False) -> str:
    by_file: Dict[str, List] = {}
    for d in report.diagnostics:
        by_file.setdefault(display_path(d.path), []).append(d)
    n = len(report.diagnostics)
    suites = ET.Element("testsuites", name="modelreg", tests=str(max(n, 1)), failures=str(n), errors="0")
    if not by_file:
        suite = ET.SubElement(suites, "testsuite", name="modelreg", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="No errors found", classname="modelreg")
    for path, found in by_file.items():
        suite = ET.SubElement(
            suites, "testsuite", name=path, tests=str(len(found)), failures=str(len(found)), errors="0"
        )
        for d in found:
            case = ET.SubElement(
                suite, "testcase", name=f"modelreg.{d.code}", classname=path, line=str(d.line), column=str(d.column)
            )
            failure = ET.SubElement(case, "failure", message=d.message, type=d.code)
            failure.text = f"line {d.line}, col {d.column}, {d.message}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
