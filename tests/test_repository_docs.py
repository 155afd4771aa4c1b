"""The README and docs/ point only at files of this repository, and every one of them exists."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "xero_timesync/readme").glob("*.md")),
]
LINK = re.compile(r"\]\(([^)\s]+)\)")  # [text](target) and ![alt](target)
CODE_PATH = re.compile(r"`((?:\.\./|docs/|xero_timesync/|xero_sandbox/|tests/|bench/|tools/)[^`\s]*)`")


def test_docs_point_inside_the_repository_at_existing_files():
    """Markdown links resolve from the document's folder; `code` paths from the repository root."""
    problems = []
    for doc in DOCS:
        text = doc.read_text()
        targets = [(doc.parent, t) for t in LINK.findall(text)] + [(ROOT, t) for t in CODE_PATH.findall(text)]
        for base, target in targets:
            if re.match(r"[a-z]+://|mailto:|#", target):
                continue
            target = target.split("#")[0].rstrip(".,:;")
            if "<" in target or "*" in target:
                continue
            resolved = (base / target).resolve()
            if not resolved.is_relative_to(ROOT):
                problems.append(f"{doc.relative_to(ROOT)}: {target} points outside the repository")
            elif not resolved.exists():
                problems.append(f"{doc.relative_to(ROOT)}: {target} does not exist")
    assert not problems, "\n".join(problems)


def test_the_addon_readme_rst_is_generated_from_its_fragments():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_readme.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_only_the_service_layer_imports_the_sdk():
    """README "Rules of the house": the addon reaches the SDK (and through it Xero) only in services/."""
    sdk = re.compile(r"^\s*(?:from|import)\s+xero_python\b", re.MULTILINE)
    addon = ROOT / "xero_timesync"
    importers = sorted(
        str(path.relative_to(addon))
        for path in addon.rglob("*.py")
        if "tests" not in path.relative_to(addon).parts and sdk.search(path.read_text())
    )
    assert importers == ["services/oauth.py", "services/payroll.py", "services/values.py", "services/xero_client.py"]
