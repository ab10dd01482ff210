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
        archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", tree["commit"]], capture_output=True)
        if archive.returncode == 0:
            subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        else:  # a mirror without some large blobs (images, archives): the files modelreg reads
            extract_text_files(git_dir, tree["commit"], dest)
    else:
        subprocess.run(["git", "clone", "--quiet", "--filter=blob:none", tree["repo"], str(dest)], check=True)
        subprocess.run(["git", "-C", str(dest), "checkout", "--quiet", tree["commit"]], check=True)
        shutil.rmtree(dest / ".git")  # a plain tree, as the mirror gives it
    own_root(dest)
    (dest / ".fetched").write_text(tree["commit"] + "\n")


# what modelreg reads of a tree (sources, project and tool configuration, Alembic templates)
TEXT_SUFFIXES = (".py", ".pyi", ".toml", ".cfg", ".ini", ".mako", ".txt", ".gitignore", "Procfile", "Dockerfile")


def extract_text_files(git_dir: Path, commit: str, dest: Path) -> None:
    """The files modelreg reads, one blob at a time (`git cat-file --batch`), when `git archive`
    cannot write the whole tree because the mirror lacks some (large, binary) blobs."""
    listing = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", commit], check=True, capture_output=True
    ).stdout.decode("utf-8", "surrogateescape")
    wanted = []
    for row in filter(None, listing.split("\0")):
        meta, path = row.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob" and mode != "120000" and path.endswith(TEXT_SUFFIXES):
            wanted.append((sha, path))
    batch = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        input="".join(sha + "\n" for sha, _ in wanted).encode(), check=True, capture_output=True,
    ).stdout
    pos = 0
    for sha, path in wanted:
        header_end = batch.index(b"\n", pos)
        header = batch[pos:header_end].split()
        pos = header_end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(batch[pos:pos + size])
        pos += size + 1  # (the blob is followed by a newline)


def own_root(dest: Path) -> None:
    """Make the tree a project root of its own, as a checkout is: a fresh `.git`. Without one, a tree
    with no pyproject.toml at its top (the Talk Python course) would take modelreg's own repository as
    its project root, where benchmarks/trees is git-ignored: modelreg would analyze nothing."""
    if not (dest / ".git").exists():
        subprocess.run(["git", "init", "--quiet", str(dest)], check=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("fetch", "list"))
    parser.add_argument("--mirror", help="take the trees from bare git mirrors DIR/<owner>+<name>/repo")
    args = parser.parse_args(argv)
    for tree in load():
        if args.command == "fetch" and fetched(tree):
            own_root(REAL / tree["name"])  # (trees fetched before own_root existed)
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
