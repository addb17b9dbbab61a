#!/usr/bin/env python3
"""Lists every `import` of a project module that Package.swift does not declare for the
importing target (such imports build only because another dependency pulls the module in).
Exit status 1 when there are any. Run from the repository root."""
import os, re, sys

package = open("Package.swift").read()
targets = {}
# Each target declaration runs from its `.target(name:` to the next one.
pieces = re.split(r'\.(?:target|testTarget|executableTarget|systemLibrary)\(', package)[1:]
for body in pieces:
    name = re.match(r'\s*name:\s*"([^"]+)"', body).group(1)
    deps = re.search(r'dependencies:\s*\[(.*?)\]\s*[,)]', body, re.S)
    targets[name] = set(re.findall(r'"([^"]+)"', deps.group(1))) if deps else set()
problems = []
for name, deps in sorted(targets.items()):
    root = os.path.join("Tests" if name.endswith("Tests") else "Sources", name)
    for directory, _, files in os.walk(root):
        for file in files:
            if not file.endswith(".swift"):
                continue
            path = os.path.join(directory, file)
            for line in open(path):
                m = re.match(r'(?:@testable\s+)?import\s+(\w+)', line)
                if m and m.group(1) in targets and m.group(1) != name and m.group(1) not in deps:
                    problems.append(f"{path}: imports {m.group(1)}, which {name} does not declare")
print("\n".join(problems) if problems else "every import is declared")
sys.exit(1 if problems else 0)
