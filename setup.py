"""GraphiQL's files come from their npm packages when the hub is built or installed.

Everything else is in pyproject.toml. `build_py` runs for wheels and for `pip install -e .`
alike; it writes GraphiQL's scripts and styles into gateway/static/graphiql/ (git-ignored)
with `npm pack`, checked against their integrity hashes (see gateway/graphiql.py). Without
npm the install still succeeds and `dualhub graphiql install` can fetch them later.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithGraphiQL(build_py):
    def run(self) -> None:
        # Loaded by path: the package's dependencies are not installed while it builds.
        path = Path(__file__).resolve().parent / "gateway" / "graphiql.py"
        spec = importlib.util.spec_from_file_location("_dualhub_graphiql", path)
        if spec is None or spec.loader is None:
            raise RuntimeError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        module.vendor()
        super().run()


setup(cmdclass={"build_py": BuildWithGraphiQL})
