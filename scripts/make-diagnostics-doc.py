"""Regenerate grammar/diagnostics.md from DiagnosticCode.swift and the diagnostic fixtures.

Run from the repository root after `swift build`: python3 scripts/make-diagnostics-doc.py
The fixtures' expected-* comments are stripped; line numbers match the fixture files.
"""
import glob
import os
import re
import subprocess

FIXTURES = "Tests/MimicSpecTests/Fixtures/diagnostics"
source = open("Sources/MimicBasics/DiagnosticCode.swift", encoding="utf-8").read()
names = dict(re.findall(r'case \.(\w+): "([a-z0-9-]+)"', source))
summaries = dict(re.findall(r'case \.(\w+): "([A-Z].*?)"', source))
codes = re.findall(r'case (\w+) = "(MC\d+)"', source)


def clip(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 10] + " …"


out = [
    "# Diagnostic codes",
    "",
    "Every diagnostic mimicc prints has a stable code. Codes are never renumbered or reused.",
    "Each example below is a test fixture (`Tests/MimicSpecTests/Fixtures/diagnostics/`), shown",
    "with mimicc's output; the test suite checks the line, column and code of each. Regenerate",
    "this file with `python3 scripts/make-diagnostics-doc.py`.",
    "",
    "Format: `path:line:col: error|warning: message [CODE]`, followed by `note:` lines. Lines and",
    "columns are 1-based; columns count characters. Exit status: 0 clean, 1 errors found (or",
    "warnings with `--strict`), 2 a file could not be read, 64 a usage error.",
    "",
    "| code | name | rule |",
    "|---|---|---|",
]
out += [f"| [{code}](#{code.lower()}) | `{names[case]}` | {summaries[case]} |" for case, code in codes]
out.append("")
for case, code in codes:
    out += [f"## {code}", "", f"`{names[case]}`: {summaries[case]}", ""]
    files = sorted(glob.glob(f"{FIXTURES}/{code}-*.yaml"))
    if code == "MC035":
        out += [
            "Raised by `mimicc inspect` and `mimicc compile` (linting an abstract spec is fine):",
            "",
            "```text",
            "specs/examples/student-base.yaml:4:1: error: 'student-base' is abstract: it cannot be compiled [MC035]",
            "specs/examples/student-base.yaml:4:1: note: compile a spec that extends it",
            "```",
            "",
        ]
        continue
    if not files:
        out += [
            "Raised before parsing when a spec file is larger than 4 MiB (tested in YAMLReaderTests):",
            "",
            "```text",
            "huge.yaml:1:1: error: spec file is 10485771 bytes; specs are limited to 4194304 bytes [MC008]",
            "huge.yaml:1:1: note: a spec describes one experiment; put data in separate files",
            "```",
            "",
        ]
        continue
    fixture = files[0]
    raw = open(fixture, "rb").read().decode("utf-8", "replace")
    lines = [re.sub(r"\s*# expected-.*$", "", line) for line in raw.rstrip("\n").split("\n")]
    result = subprocess.run([".build/debug/mimicc", "lint", fixture], capture_output=True, text=True, errors="replace")
    output = result.stderr.replace(FIXTURES + "/", "").strip().split("\n")
    out += [f"`{os.path.basename(fixture)}`:", "", "```text"]
    out += [clip(line, 100) for line in lines]
    out += ["```", "", "```text"] + [clip(line, 160) for line in output] + ["```", ""]
open("grammar/diagnostics.md", "w", encoding="utf-8").write("\n".join(out))
