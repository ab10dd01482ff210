"""The real trees of the benchmark (benchmarks/real.toml): fetch them at their pinned commits.

    python benchmarks/real.py fetch                   # git clone + checkout each tree (needs the network)
    python benchmarks/real.py fetch --mirror DIR      # or take them from bare mirrors DIR/<owner>+<name>/repo
    python benchmarks/real.py list                    # the trees and whether they are fetched

The trees land in benchmarks/trees/real/<name> (ignored by git). `python benchmarks/bench.py --real`
measures every fetched tree; `--tree PATH` measures any checkout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

HERE = Path(__file__).resolve().parent
REAL = HERE / "trees" / "real"


def load() -> List[dict]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    with open(HERE / "real.toml", "rb") as f:
        return tomllib.load(f)["tree"]


def where(tree: dict) -> Path:
    """The folder modelreg runs in for this tree."""
    return REAL / tree["name"] / tree.get("path", ".")


def fetched(tree: dict) -> bool:
    marker = REAL / tree["name"] / ".fetched"
    return marker.exists() and marker.read_text().strip() == tree["commit"]


def fetch(tree: dict, mirror: str = None) -> None:
    dest = REAL / tree["name"]
    if fetched(tree):
        return
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    if mirror:
        owner_name = "+".join(tree["repo"].rstrip("/").split("/")[-2:])
        git_dir = Path(mirror) / owner_name / "repo"
        archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", tree["commit"]], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    else:
        subprocess.run(["git", "clone", "--quiet", "--filter=blob:none", tree["repo"], str(dest)], check=True)
        subprocess.run(["git", "-C", str(dest), "checkout", "--quiet", tree["commit"]], check=True)
        shutil.rmtree(dest / ".git")  # a plain tree, as the mirror gives it
    # its own (empty) git repository, as a clone is: the project root, the .gitignore files and git's
    # excludes stop there - not in the checkout holding benchmarks/ (a tree whose `path` has no
    # pyproject.toml would otherwise be analyzed as part of it)
    subprocess.run(["git", "init", "--quiet", str(dest)], check=True)
    (dest / ".fetched").write_text(tree["commit"] + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("fetch", "list"))
    parser.add_argument("--mirror", help="take the trees from bare git mirrors DIR/<owner>+<name>/repo")
    args = parser.parse_args(argv)
    for tree in load():
        if args.command == "fetch":
            try:
                fetch(tree, args.mirror)
            except (subprocess.CalledProcessError, OSError) as exc:
                print(f"{tree['name']}: not fetched ({exc})", file=sys.stderr)
                continue
        print(f"{tree['name']:<30} {'fetched' if fetched(tree) else 'missing':<8} {tree['commit'][:12]}  {where(tree)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
