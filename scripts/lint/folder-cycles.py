#!/usr/bin/env python3
"""Fails when two folders of Sources/App use each other's types (DESIGN.md §6b: "no folder
imports from a folder that imports from it").

A folder uses another when its code names a type declared at the top level of a file there.
Files directly in Sources/App (configure.swift, routes.swift, workers.swift) are the
composition root: they wire every folder and nothing uses them, so they are left out.
Extension members (a method added to `Request`, `FileManager` …) are not seen: name their
file's folder in a review instead.
"""
import collections
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "App")
DECLARATION = re.compile(r"^(?:(?:public|private|fileprivate|internal|final|@\w+) )*(?:struct|class|enum|protocol|actor|typealias)\s+(\w+)", re.M)

files = collections.defaultdict(list)
owner = {}
for directory, _, names in os.walk(ROOT):
    for name in sorted(names):
        if not name.endswith(".swift"):
            continue
        path = os.path.join(directory, name)
        relative = os.path.relpath(path, ROOT)
        if "/" not in relative:
            continue  # the composition root
        folder = relative.split("/")[0]
        text = open(path, encoding="utf-8").read()
        files[folder].append((name, text))
        for match in DECLARATION.finditer(text):
            owner.setdefault(match.group(1), folder)

uses = collections.defaultdict(lambda: collections.defaultdict(set))
for folder, texts in files.items():
    for name, text in texts:
        code = re.sub(r"//.*", "", text)
        for word in set(re.findall(r"\b[A-Z]\w+\b", code)):
            other = owner.get(word)
            if other and other != folder:
                uses[folder][other].add(f"{name} names {word}")

cycles = [(a, b) for a in uses for b in uses[a] if a < b and a in uses.get(b, {})]
for a, b in cycles:
    print(f"{a}/ and {b}/ use each other:")
    print(f"  {a}/ → {b}/: " + "; ".join(sorted(uses[a][b])[:5]))
    print(f"  {b}/ → {a}/: " + "; ".join(sorted(uses[b][a])[:5]))
sys.exit(1 if cycles else 0)
