#!/usr/bin/env python3
"""Mutation testing of the plain-Python modules: the ``rules`` package and ``pdf.py``.

A mutant is one small change of the module's source: a comparison made strict
or loose or turned around (``<`` to ``<=`` or ``>``), ``==`` to ``!=``, ``in``
to ``not in``, a number moved by one, ``True`` to ``False``, ``and`` to ``or``,
``+`` to ``-``, ``*`` to ``/``, ``min`` to ``max``, a ``not`` or a unary minus
dropped.  The module's plain-Python tests run against each mutant, in a
temporary copy of the module and its tests (``pytest -x``, one process per
mutant, killed after a timeout).  A mutant the tests fail on is *killed*; one
they pass *survives*: a change of behaviour the tests would not notice.

A surviving mutant gets a test that kills it, or, if it cannot change the
behaviour, a place in ``tests/mutants_equivalent.txt`` with the reason: listed
mutants are left out of the score.  Each entry is one line
``<file> :: <function> :: <line>  =>  <mutated line>`` (as ``--list`` prints
it; ``<file>`` relative to its add-on: ``rules/ladder.py``, ``pdf.py``) followed
by indented lines giving the reason.

Usage (with the project's virtualenv, which has pytest)::

    python scripts/mutants.py              # every rules module and pdf.py, 2 processes
    python scripts/mutants.py rules        # every module of invoice_reminders/rules/ only
    python scripts/mutants.py --list pdf   # the mutants, without running them
    python scripts/mutants.py --only late_charges rules

It prints each module's score and its survivors, and exits with 1 when a
module scores under its target (95 % for each).  It runs at nice 10.
"""

import argparse
import ast
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tests" / "mutants_equivalent.txt"
RULES_MODULES = tuple(
    path.relative_to(ROOT).as_posix() for path in sorted(ROOT.glob("invoice_reminders/rules/*.py"))
)
RULES_TESTS = tuple(
    path.relative_to(ROOT).as_posix() for path in sorted(ROOT.glob("tests/test_rules*.py"))
)


@dataclass(frozen=True)
class Target:
    """Modules to mutate, the tests that must kill their mutants, the score to reach
    (over all the modules: each mutant runs the target's tests)."""

    label: str
    paths: tuple[str, ...]
    tests: tuple[str, ...]
    fail_under: float | None = None
    needs: str | None = None  # a program without which its tests are skipped


TARGETS = {
    "rules": Target("rules/", RULES_MODULES, RULES_TESTS, fail_under=95.0),
    "pdf": Target(
        "pdf.py",
        ("invoice_reminders/pdf.py",),
        ("tests/test_pdf.py",),
        fail_under=95.0,
        needs="wkhtmltopdf",
    ),
}
SUPPORT = ("tests/conftest.py",)  # copied along with every target's tests

# ---------------------------------------------------------------------------
# Generating the mutants
# ---------------------------------------------------------------------------

# operator: (how it is written, as a regular expression; what it becomes)
_COMPARE = {
    ast.Lt: (r"<(?![<=])", ("<=", ">")),
    ast.LtE: (r"<=", ("<", ">=")),
    ast.Gt: (r">(?![>=])", (">=", "<")),
    ast.GtE: (r">=", (">", "<=")),
    ast.Eq: (r"==", ("!=",)),
    ast.NotEq: (r"!=", ("==",)),
    ast.In: (r"(?<!not )\bin\b", ("not in",)),
    ast.NotIn: (r"\bnot\s+in\b", ("in",)),
    ast.Is: (r"\bis\b(?!\s+not\b)", ("is not",)),
    ast.IsNot: (r"\bis\s+not\b", ("is",)),
}
_BINARY = {
    ast.Add: (r"\+", ("-",)),
    ast.Sub: (r"-", ("+",)),
    ast.Mult: (r"(?<!\*)\*(?!\*)", ("/",)),
    ast.Div: (r"(?<!/)/(?!/)", ("*",)),
    ast.FloorDiv: (r"//", ("/",)),
}
_AUGMENTED = {ast.Add: (r"\+=", ("-=",)), ast.Sub: (r"-=", ("+=",))}
_BOOLEAN = {ast.And: (r"\band\b", ("or",)), ast.Or: (r"\bor\b", ("and",))}
_SWAPPED_CALLS = {"min": "max", "max": "min"}


@dataclass(frozen=True)
class Mutant:
    """One changed copy of a module; ``key`` names it in the equivalents file."""

    path: str
    lineno: int
    function: str
    line: str
    mutated_line: str
    key: str
    original: bytes
    edit: tuple[int, int, str]  # bytes start:end of ``original`` replaced by a text

    @property
    def source(self) -> str:
        start, end, replacement = self.edit
        return (self.original[:start] + replacement.encode() + self.original[end:]).decode()

    def __str__(self):
        return f"{short_name(self.path)}:{self.lineno} {self.function}: {self.mutated_line}"


class _Collector(ast.NodeVisitor):
    """The edits of a module: ``(start, end, replacement, function)``, in byte offsets."""

    def __init__(self, data: bytes):
        self.data = data
        self.starts = [0]
        for line in data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))
        self.scope: list[str] = []
        self.edits: list[tuple[int, int, str, str]] = []

    def offset(self, lineno: int, col: int) -> int:
        return self.starts[lineno - 1] + col

    def start(self, node) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def add(self, start: int, end: int, replacement: str):
        self.edits.append((start, end, replacement, ".".join(self.scope) or "<module>"))

    def add_operator(self, left, right, pattern: str, replacements):
        """The operator written between the nodes ``left`` and ``right``."""
        low, high = self.end(left), self.start(right)
        match = re.search(pattern, self.data[low:high].decode())
        if match is None:  # pragma: no cover - a layout this script does not know
            return
        start = low + len(self.data[low:high].decode()[: match.start()].encode())
        end = start + len(match.group().encode())
        for replacement in replacements:
            self.add(start, end, replacement)

    def visit_scope(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_scope

    def visit_Compare(self, node):
        operands = [node.left, *node.comparators]
        for index, op in enumerate(node.ops):
            pattern, replacements = _COMPARE[type(op)]
            self.add_operator(operands[index], operands[index + 1], pattern, replacements)
        self.generic_visit(node)

    def visit_BinOp(self, node):
        if type(node.op) in _BINARY:
            self.add_operator(node.left, node.right, *_BINARY[type(node.op)])
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if type(node.op) in _AUGMENTED:
            self.add_operator(node.target, node.value, *_AUGMENTED[type(node.op)])
        self.generic_visit(node)

    def visit_BoolOp(self, node):
        pattern, replacements = _BOOLEAN[type(node.op)]
        for left, right in zip(node.values, node.values[1:], strict=False):
            self.add_operator(left, right, pattern, replacements)
        self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, (ast.Not, ast.USub)):  # the operator dropped
            start = self.start(node)
            self.add(start, start + (3 if isinstance(node.op, ast.Not) else 1), "")
        self.generic_visit(node)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in _SWAPPED_CALLS:
            func = node.func
            self.add(self.start(func), self.end(func), _SWAPPED_CALLS[func.id])
        self.generic_visit(node)

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool):
            self.add(self.start(node), self.end(node), repr(not value))
        elif isinstance(value, (int, float)):
            for moved in (value + 1, value - 1):
                self.add(self.start(node), self.end(node), repr(moved))


def short_name(path: str) -> str:
    """``path`` (relative to the repository) relative to its add-on: ``rules/ladder.py``."""
    return Path(*Path(path).parts[1:]).as_posix()


def generate_target(target: Target) -> list[Mutant]:
    """The mutants of every module of ``target``, module after module."""
    return [mutant for path in target.paths for mutant in generate(path)]


def generate(path: str) -> list[Mutant]:
    """The mutants of the module at ``path`` (relative to the repository), in source order."""
    data = (ROOT / path).read_bytes()
    collector = _Collector(data)
    collector.visit(ast.parse(data))
    name = short_name(path)
    mutants, seen, keys = [], set(), {}
    for start, end, replacement, function in sorted(collector.edits):
        if (start, end, replacement) in seen:
            continue
        seen.add((start, end, replacement))
        # the original and the mutated line(s) around the edit
        first = data.rfind(b"\n", 0, start) + 1
        last = data.find(b"\n", end)
        last = len(data) if last < 0 else last
        line = " ".join(data[first:last].decode().split())
        mutated = data[first:start] + replacement.encode() + data[end:last]
        mutated_line = " ".join(mutated.decode().split())
        key = f"{name} :: {function} :: {line}  =>  {mutated_line}"
        keys[key] = keys.get(key, 0) + 1
        if keys[key] > 1:
            key += f"  #{keys[key]}"
        mutants.append(
            Mutant(
                path=path,
                lineno=data.count(b"\n", 0, start) + 1,
                function=function,
                line=line,
                mutated_line=mutated_line,
                key=key,
                original=data,
                edit=(start, end, replacement),
            )
        )
    return mutants


def read_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    """The equivalent mutants listed in ``path``: ``{key: reason}``.

    Comments (``#``) and blank lines are skipped; a key is a line at the margin,
    its reason the indented lines after it.
    """
    entries: dict[str, str] = {}
    key = None
    for raw in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw[0].isspace():
            if key is None:
                raise ValueError(f"{path.name}: a reason without its mutant: {raw.strip()!r}")
            entries[key] = f"{entries[key]} {raw.strip()}".strip()
        else:
            key = " ".join(raw.split()).replace(" => ", "  =>  ")
            key = re.sub(r"\s+#(\d+)$", r"  #\1", key)
            entries[key] = ""
    return entries


def _normalize(key: str) -> str:
    return " ".join(key.split())


# ---------------------------------------------------------------------------
# Running the tests against them
# ---------------------------------------------------------------------------


def _pytest(folder: Path, tests, timeout: float) -> tuple[int, float]:
    """Run ``tests`` in ``folder``: the exit code (-1 after ``timeout``) and the time."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a timeout kills wkhtmltopdf too
    )
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        code = -1
    return code, time.monotonic() - started


def _copy(target: Target, folder: Path):
    for relative in (*target.paths, *target.tests, *SUPPORT):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / relative, folder / relative)


def run(target: Target, mutants, jobs: int, progress=sys.stderr) -> dict[str, bool | None]:
    """Run the tests of ``target`` against each mutant: ``{key: killed}``, None
    for a mutant that is not valid Python (left out)."""
    originals = {path: (ROOT / path).read_text(encoding="utf-8") for path in target.paths}
    with tempfile.TemporaryDirectory(prefix="invoice_reminders_mutants_") as tmp:
        folders: queue.Queue = queue.Queue()
        for index in range(jobs):
            folder = Path(tmp) / str(index)
            _copy(target, folder)
            folders.put(folder)
        code, baseline = _pytest(Path(tmp) / "0", target.tests, timeout=600)
        if code != 0:
            raise SystemExit(f"the tests of {target.label} fail without any mutant (exit {code})")
        timeout = max(10.0, 5 * baseline)

        def one(mutant):
            source = mutant.source
            try:
                ast.parse(source)
            except SyntaxError:
                return mutant, None
            folder = folders.get()
            try:
                (folder / mutant.path).write_text(source, encoding="utf-8")
                code, _duration = _pytest(folder, target.tests, timeout)
                return mutant, code != 0
            finally:
                (folder / mutant.path).write_text(originals[mutant.path], encoding="utf-8")
                folders.put(folder)

        results = {}
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for done, (mutant, killed) in enumerate(pool.map(one, mutants), 1):
                results[mutant.key] = killed
                if done % 25 == 0 or done == len(mutants):
                    print(f"  {target.label}: {done}/{len(mutants)}", file=progress, flush=True)
    return results


def report(target: Target, mutants, results, equivalents) -> bool:
    """Print the score and the survivors of ``target``; False when under its target."""
    name = target.label
    listed = {_normalize(key) for key in equivalents}
    invalid = [m for m in mutants if results[m.key] is None]
    mutants = [m for m in mutants if results[m.key] is not None]
    equivalent = [m for m in mutants if _normalize(m.key) in listed]
    scored = [m for m in mutants if _normalize(m.key) not in listed]
    killed = [m for m in scored if results[m.key]]
    survivors = [m for m in scored if not results[m.key]]
    score = 100.0 * len(killed) / len(scored) if scored else 100.0
    goal = f" (target {target.fail_under:g}%)" if target.fail_under is not None else ""
    print(
        f"{name}: {len(mutants)} mutants ({len(invalid)} more not valid Python), "
        f"{len(equivalent)} listed as equivalent, "
        f"{len(killed)}/{len(scored)} killed: {score:.1f}%{goal}"
    )
    if len(target.paths) > 1:
        for path in target.paths:
            of_path = [m for m in scored if m.path == path]
            if of_path:
                dead = sum(1 for m in of_path if results[m.key])
                print(f"  {short_name(path)}: {dead}/{len(of_path)} killed")
    for mutant in survivors:
        print(f"  survived  {mutant}")
        print(f"            {mutant.key}")
    for mutant in equivalent:
        if results[mutant.key]:
            print(f"  killed but listed as equivalent: {mutant.key}")
    return target.fail_under is None or score >= target.fail_under


def stale_equivalents(equivalents, mutants) -> list[str]:
    """The listed equivalents that no current mutant matches (the code moved on)."""
    current = {_normalize(m.key) for m in mutants}
    return [key for key in equivalents if _normalize(key) not in current]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"among {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="processes at once (default 2)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--only", help="only the mutants whose key contains this text")
    parser.add_argument("--nice", type=int, default=10, help="niceness (default 10)")
    args = parser.parse_args(argv)
    names = args.modules or list(TARGETS)
    unknown = set(names) - set(TARGETS)
    if unknown:
        parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    equivalents = read_equivalents()
    all_mutants = {name: generate_target(TARGETS[name]) for name in names}
    missing = [key for key, reason in equivalents.items() if not reason]
    if missing:
        print(f"equivalent mutants without a reason: {missing}", file=sys.stderr)
        return 2
    if args.list:
        for name in names:
            for mutant in all_mutants[name]:
                print(mutant.key)
        return 0
    if args.nice:
        os.nice(args.nice)
    ok = True
    for name in names:
        target = TARGETS[name]
        if target.needs and not shutil.which(target.needs):
            print(f"{target.label}: skipped, {target.needs} is not installed")
            continue
        mutants = [m for m in all_mutants[name] if not args.only or args.only in m.key]
        started = time.monotonic()
        results = run(target, mutants, max(1, args.jobs))
        ok = report(target, mutants, results, equivalents) and ok
        print(f"  ({time.monotonic() - started:.0f} s)")
    stale = stale_equivalents(equivalents, [m for name in names for m in all_mutants[name]])
    for key in stale:
        if key.split(" :: ", 1)[0] in {short_name(p) for n in names for p in TARGETS[n].paths}:
            print(f"listed as equivalent, no such mutant any more: {key}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
