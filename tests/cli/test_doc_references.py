"""Docs, comments and model files name only files that a clone of the repository has (issue 15,
bug 6): no paths into the authors' private shared/ or reference/ folders, and every `docs/*.md`
named anywhere exists.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT_SUFFIXES = {".md", ".toml", ".py", ".cpp", ".hpp", ".h", ".sh", ".txt", ".cmake", ".json", ".cff"}
SKIP_DIRS = {".git", "build", "__pycache__"}
# Paths that only existed beside the repository, never in it.
FORBIDDEN = [
    (re.compile(r"shared/(brief|reference|hooks)"), "a path into shared/"),
    (re.compile(r"reference/(biology|validation)"), "a path into reference/"),
    (re.compile(r"\bbiology\.md"), "biology.md (not in the repository: cite the literature)"),
    (re.compile(r"(?<!docs/)\bvalidation\.md"), "validation.md without docs/"),
    (re.compile(r"(?<!docs/)\bcontract\.md"), "contract.md without docs/"),
    (re.compile(r"io/ModelLoader"), "io/ModelLoader (the loader is io/ConfigLoader)"),
]
DOC_REFERENCE = re.compile(r"docs/([A-Za-z0-9_.-]+\.md)")


def text_files():
    for path in ROOT.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(ROOT).parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name == "CMakeLists.txt"):
            if path.resolve() != Path(__file__).resolve():
                yield path


def test_no_references_outside_the_repository():
    problems = []
    for path in text_files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for pattern, what in FORBIDDEN:
                if pattern.search(line):
                    problems.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()}")
    assert not problems, "\n".join(problems)


def test_named_docs_exist():
    missing = []
    for path in text_files():
        for name in DOC_REFERENCE.findall(path.read_text(errors="replace")):
            if not (ROOT / "docs" / name).is_file():
                missing.append(f"{path.relative_to(ROOT)} names docs/{name}")
    assert not missing, "\n".join(missing)
