"""npm packages for the tests that drive a JavaScript client, composer or gateway: installed
into a pytest temporary folder (never the repository; npm's own cache makes later installs
fast), with the test's scripts beside them. Without Node.js or npm, or when npm cannot
install (no registry), the test is skipped with the reason."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest

NODE_SCRIPTS = Path(__file__).resolve().parent / "node"


def npm_folder(
    tmp_path_factory: pytest.TempPathFactory, name: str, *, purpose: str,
    packages: Iterable[str] = (), scripts: Iterable[str] = (), files: Iterable[Path] = (),
    timeout: int = 300,
) -> Path:  # fmt: skip
    """A folder named after `name` holding `packages` (or, with none, what `files`'
    package.json names) and copies of `scripts` (from tests/node/) and `files`. `purpose`
    says what cannot run without them, for the skip reason."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(f"Node.js or npm is not on PATH: {purpose}")
    folder = tmp_path_factory.mktemp(name)
    for path in files:
        shutil.copy(path, folder)
    if not (folder / "package.json").exists():
        (folder / "package.json").write_text('{"private": true, "type": "module"}')
    installed = subprocess.run(  # noqa: S603 (npm from PATH, fixed arguments)
        [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", *packages],
        cwd=folder, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if installed.returncode != 0:
        pytest.skip(f"npm could not install {name} (no registry?): {installed.stderr[-500:]}")
    for script in scripts:
        shutil.copy(NODE_SCRIPTS / script, folder)
    return folder
