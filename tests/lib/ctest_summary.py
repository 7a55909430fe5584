#!/usr/bin/env python3
"""One line per ctest label: how many tests passed, failed and were skipped,
and the time they took (the sum of the tests' own times).

  tests/lib/ctest_summary.py BUILD_DIR JUNIT_XML

`make test` runs it after `ctest --output-junit JUNIT_XML`; the labels come
from `ctest --show-only=json-v1` in BUILD_DIR. A test without a label counts
under "(none)". Exit status 0 unless the files cannot be read.
"""
import json
import subprocess
import sys
import xml.etree.ElementTree as ET


def labels_by_test(build_dir):
    out = subprocess.run(["ctest", "--show-only=json-v1"], cwd=build_dir,
                         check=True, capture_output=True, text=True).stdout
    labels = {}
    for test in json.loads(out).get("tests", []):
        names = []
        for prop in test.get("properties", []):
            if prop.get("name") == "LABELS":
                names = prop.get("value") or []
        labels[test["name"]] = names or ["(none)"]
    return labels


def outcome(case):
    if case.find("failure") is not None or case.get("status") == "fail":
        return "failed"
    if case.find("skipped") is not None or case.get("status") in ("notrun", "disabled"):
        return "skipped"
    return "passed"


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    build_dir, junit = argv[1], argv[2]
    labels = labels_by_test(build_dir)
    rows = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name")
        for label in labels.get(name, ["(none)"]):
            row = rows.setdefault(label, {"passed": 0, "failed": 0, "skipped": 0, "secs": 0.0})
            row[outcome(case)] += 1
            row["secs"] += float(case.get("time") or 0)
    if not rows:
        return
    width = max(len(label) for label in rows)
    print("Per label (time: the sum of its tests' times):")
    for label in sorted(rows):
        r = rows[label]
        print(f"  {label:<{width}}  {r['passed']:4d} passed  {r['failed']:3d} failed"
              f"  {r['skipped']:3d} skipped  {r['secs']:8.1f} s"
              + ("   FAILED" if r["failed"] else ""))


if __name__ == "__main__":
    main(sys.argv)
