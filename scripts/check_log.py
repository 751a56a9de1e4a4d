"""Read the logs of a test run, print the counts, and decide whether it passed.

Fails when a test failed, when a command failed, or when any WARNING, ERROR or
CRITICAL line was logged while installing, testing or uninstalling.

With ``--results FILE`` the verdict is also appended to FILE as one
tab-separated line (name, Odoo, queue_job, passed, failed, skipped, verdict,
note); ``--summarize FILE`` prints those lines as the run's summary, one line
per Odoo tree and a total, and fails if any of them failed.
"""

import argparse
import re
import sys
import xml.etree.ElementTree as ET

LEVEL_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (WARNING|ERROR|CRITICAL) ")
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")


def pytest_counts(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total, failed, skipped


def bad_lines(path):
    if not path:
        return []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return [line.rstrip() for line in fh if LEVEL_RE.match(line)]
    except OSError:
        return [f"(log {path} is missing)"]


def odoo_counts(path):
    total = failed = skipped = 0
    found = False
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    for match in RESULT_RE.finditer(text):
        found = True
        failed += int(match.group(1)) + int(match.group(2))
        total += int(match.group(3))
    # OdooTestResult.addSkip logs "skipped <test description> : <reason>"
    skipped = len(re.findall(r" INFO \S+ \S+: skipped \S+ : ", text))
    return (total, failed, skipped) if found else None


def upgrade_problems(args):
    """Print the upgrade test's result line; return its problems."""
    problems = []
    try:
        with open(args.upgrade_summary, encoding="utf-8") as fh:
            summary = fh.read().splitlines()
    except OSError:
        summary = []
    start = next((line for line in summary if line.startswith("upgrade test: from")), None)
    verdict = next((line for line in summary if line.startswith("UPGRADE TEST ")), None)
    if args.upgrade_rc:
        problems.append(
            f"the upgrade test exited with {args.upgrade_rc}: {verdict or start or 'no summary'}"
        )
        problems.extend(
            "    " + line
            for line in summary
            if line.startswith(("UPGRADE", "  ", "previous release"))
            and not line.startswith("UPGRADE TEST PASSED")
        )
    if start is None:
        problems.append("the upgrade test did not run (no summary)")
    for path in args.upgrade_log:
        lines = bad_lines(path)
        if lines:
            problems.append(f"{len(lines)} WARNING/ERROR line(s) logged in {path}:")
            problems.extend("    " + line[:400] for line in lines[:20])
    state = "FAILED" if problems else "passed"
    print(f"upgrade test: {state} ({start[len('upgrade test: ') :] if start else 'not run'})")
    return problems


def record(args, passed, failed, skipped, problems, note):
    """Append this run's result line to ``args.results``."""
    if not args.results:
        return
    verdict = "FAIL" if problems or failed else "pass"
    fields = [args.tree or "-", args.odoo_version or "-", args.queue_job or "-"]
    fields += [str(passed), str(failed), str(skipped), verdict, note]
    with open(args.results, "a", encoding="utf-8") as fh:
        fh.write("\t".join(field.replace("\t", " ") for field in fields) + "\n")


def summarize(path):
    """Print the result lines of ``path`` and their total; 1 if one failed."""
    try:
        with open(path, encoding="utf-8") as fh:
            rows = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    except OSError:
        rows = []
    print("\n===== Summary =====")
    total = [0, 0, 0]
    failed_any = not rows
    width = max([len(row[0]) for row in rows] + [10])
    for name, odoo, queue_job, passed, failed, skipped, verdict, note in rows:
        counts = [int(passed), int(failed), int(skipped)]
        total = [a + b for a, b in zip(total, counts, strict=True)]
        failed_any = failed_any or verdict not in ("pass", "not found")
        print(
            f"{name:<{width}}  Odoo {odoo:<17} queue_job {queue_job:<13} "
            f"{counts[0]:>4} passed, {counts[1]:>3} failed, {counts[2]:>3} skipped  "
            f"{verdict}{'  (' + note + ')' if note else ''}"
        )
    trees = sum(1 for row in rows if row[1] != "-" or row[6] != "pass")
    label = f"{trees} Odoo tree(s)"
    print(
        f"{'TOTAL':<{width}}  {label:<47}"
        f"{total[0]:>4} passed, {total[1]:>3} failed, {total[2]:>3} skipped  "
        f"{'FAIL' if failed_any else 'pass'}"
    )
    return 1 if failed_any else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pytest-xml")
    parser.add_argument("--base-log")
    parser.add_argument("--odoo-log")
    parser.add_argument("--uninstall-log")
    parser.add_argument("--odoo-rc", type=int, default=0)
    parser.add_argument("--uninstall-rc", type=int, default=0)
    parser.add_argument("--pytest-rc", type=int, default=0)
    parser.add_argument("--lint-rc", type=int, default=0)
    parser.add_argument("--no-odoo", action="store_true")
    parser.add_argument("--upgrade-summary", help="the upgrade test's summary file")
    parser.add_argument("--upgrade-log", action="append", default=[])
    parser.add_argument("--upgrade-rc", type=int, default=0)
    parser.add_argument("--only-upgrade", action="store_true", help="judge the upgrade test alone")
    parser.add_argument("--upgrade-skipped", help="why the upgrade test did not run here")
    parser.add_argument("--results", help="append the verdict line to this file")
    parser.add_argument("--tree", help="the Odoo tree, for the verdict line")
    parser.add_argument("--odoo-version", help="its Odoo version, for the verdict line")
    parser.add_argument("--queue-job", help="its queue_job release, for the verdict line")
    parser.add_argument("--summarize", help="print the verdict lines of this file and a total")
    args = parser.parse_args()

    if args.summarize:
        return summarize(args.summarize)

    if args.only_upgrade:
        problems = upgrade_problems(args)
        for problem in problems:
            print("  " + problem)
        return 1 if problems else 0

    problems = []
    passed = failed = skipped = 0
    counts = pytest_counts(args.pytest_xml) if args.pytest_xml else None
    if counts is None and args.pytest_xml:
        problems.append("the plain-Python tests produced no result")
    elif counts is not None:
        total, fail, skip = counts
        print(f"plain-Python tests: {total} run, {fail} failed, {skip} skipped")
        passed += total - fail - skip
        failed += fail
        skipped += skip
    if args.pytest_rc:
        problems.append(f"pytest exited with {args.pytest_rc}")
    if args.lint_rc:
        problems.append("lint (ruff / pylint-odoo) found problems: see the lint output above")

    if not args.no_odoo:
        counts = odoo_counts(args.odoo_log)
        if counts is None:
            problems.append("the Odoo test run printed no result line")
        else:
            total, fail, skip = counts
            print(f"Odoo tests: {total} run, {fail} failed, {skip} skipped")
            if total == 0:
                problems.append("the Odoo suite ran no test")
            passed += total - fail - skip
            failed += fail
            skipped += skip
        if args.odoo_rc:
            problems.append(f"the Odoo install/test command exited with {args.odoo_rc}")
        if args.uninstall_rc:
            problems.append(f"the uninstall exited with {args.uninstall_rc}")
        for label, path in (
            ("install of dependencies", args.base_log),
            ("install and tests", args.odoo_log),
            ("uninstall", args.uninstall_log),
        ):
            lines = bad_lines(path)
            if lines:
                problems.append(f"{len(lines)} WARNING/ERROR line(s) logged during {label}:")
                problems.extend("    " + line[:400] for line in lines[:40])
        if args.upgrade_summary:
            problems.extend(upgrade_problems(args))
        elif args.upgrade_skipped:
            print(f"upgrade test: not run ({args.upgrade_skipped})")
    elif not args.results:
        print("Odoo tests: NOT RUN (no Odoo found)")

    if problems:
        print("\nFAILED:")
        for problem in problems:
            print("  " + problem)
    print(f"\n{passed} passed, {failed} failed, {skipped} skipped")
    note = ""
    if args.upgrade_summary:
        note = "upgrade test " + ("FAILED" if args.upgrade_rc else "passed")
    elif args.upgrade_skipped:
        note = "upgrade test: " + args.upgrade_skipped
    if problems:
        note = "; ".join(filter(None, [note, f"{len(problems)} problem(s), see above"]))
    record(args, passed, failed, skipped, problems, note)
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
