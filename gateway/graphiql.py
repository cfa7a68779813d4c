"""GraphiQL served by the hub itself, so it works without internet access.

strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from a public CDN,
pinned by version and Subresource Integrity hash. A government intranet reaches no CDN, so
the page was blank there. The hub serves the same files itself:

* `ASSETS` pins the files strawberry's page references (package, version, path, SRI hash);
  `tests/test_graphiql.py` fails when a strawberry upgrade changes them.
* They are taken from the npm packages at install time: `pip install -e .` (and any wheel
  build) runs `vendor()` through `setup.py`, which asks `npm pack` for the tarballs (npm's
  own registry settings and cache), checks every file against its SRI hash and writes it
  under `gateway/static/graphiql/` (git-ignored, shipped in wheels as package data). Without
  npm at install time, `dualhub graphiql install` does the same later. Nothing is fetched at
  run time.
* `page()` is strawberry's page with each CDN address replaced by the hub's own
  `graphiql/<package>@<version>/<path>`, relative to `/graphql` so that it holds behind a
  proxy serving the hub under a path prefix; the integrity hashes stay, so the browser
  still checks each file.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

ASSET_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
PREFIX = "/graphiql"


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    path: str
    integrity: str  # "sha384-<base64>", as in the page's `integrity` attribute

    @property
    def url_path(self) -> str:
        """`<package>@<version>/<path>`: where the page and the hub's route put it."""
        return f"{self.package}@{self.version}/{self.path}"

    @property
    def file(self) -> Path:
        return ASSET_DIR / self.url_path


# What strawberry-graphql 0.341's static/graphiql.html loads.
ASSETS = (
    Asset("react", "18.2.0", "umd/react.production.min.js",
          "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"),
    Asset("react-dom", "18.2.0", "umd/react-dom.production.min.js",
          "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"),
    Asset("js-cookie", "3.0.5", "dist/js.cookie.min.js",
          "sha384-/vxhYfM1LENRhdpZ8dwEsQn/X4VhpbEZSiU4m/FwR+PVpzar4fkEOw8FP9Y+OfQN"),
    Asset("graphiql", "3.8.3", "graphiql.min.css",
          "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"),
    Asset("@graphiql/plugin-explorer", "1.0.2", "dist/style.css",
          "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi"),
    Asset("graphiql", "3.8.3", "graphiql.min.js",
          "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"),
    Asset("@graphiql/plugin-explorer", "1.0.2", "dist/index.umd.js",
          "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"),
)  # fmt: skip

# An absolute `src`/`href` of a CDN serving npm packages: https://<host>/<package>@<version>/<path>
_CDN_URL = re.compile(
    r'(?P<attribute>src|href)="https://[^/"]+/(?P<asset>(?:@[^/"@]+/)?[^/"@]+@[^/"]+/[^"]+)"'
)
MISSING = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>GraphiQL</title>
</head><body><h1>GraphiQL 的前端文件未安装</h1>
<p>GraphiQL's files are not installed in this hub ({missing}).
Run <code>dualhub graphiql install</code> once on a machine that reaches the npm registry
(it runs <code>npm pack</code>), or reinstall the hub there; the hub itself never fetches
them. GraphQL at this address works regardless.</p></body></html>"""


def sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def installed(asset: Asset) -> bool:
    return asset.file.is_file() and sri(asset.file.read_bytes()) == asset.integrity


def missing() -> list[Asset]:
    return [asset for asset in ASSETS if not installed(asset)]


def page() -> str:
    """strawberry's GraphiQL page loading its files from the hub, or a page that says what
    to do when they are not installed."""
    from strawberry.http.ides import get_graphql_ide_html

    absent = missing()
    if absent:
        return MISSING.format(missing=", ".join(asset.url_path for asset in absent))
    return _CDN_URL.sub(
        lambda match: f'{match["attribute"]}="{PREFIX.lstrip("/")}/{match["asset"]}"',
        get_graphql_ide_html("graphiql"),
    )


def vendor(npm: str | None = None, log: TextIO | None = None) -> list[Asset]:
    """Write every missing asset from its npm package (`npm pack`), checked against its
    SRI hash; the assets still missing (npm absent or failing). Never raises for a network
    or npm failure: an install without npm still installs the hub."""
    log = log or sys.stderr
    todo = missing()
    npm = npm or shutil.which("npm")
    if not todo:
        return []
    if npm is None:
        print("dualhub: npm not found, GraphiQL's files not installed "
              "(`dualhub graphiql install` later)", file=log)  # fmt: skip
        return todo
    specs = sorted({f"{asset.package}@{asset.version}" for asset in todo})
    with tempfile.TemporaryDirectory() as folder:
        packed = subprocess.run(  # noqa: S603 (npm from PATH, pinned package specs)
            [npm, "pack", "--silent", "--pack-destination", folder, *specs],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if packed.returncode != 0:
            print(f"dualhub: npm pack failed, GraphiQL's files not installed: "
                  f"{packed.stderr.strip()[-400:]}", file=log)  # fmt: skip
            return todo
        for asset in todo:
            _extract(asset, Path(folder))
    still = missing()
    if still:
        print("dualhub: GraphiQL files not matching their integrity hash: "
              + ", ".join(asset.url_path for asset in still), file=log)  # fmt: skip
    return still


def _extract(asset: Asset, folder: Path) -> None:
    # npm pack names a tarball `<scope>-<name>-<version>.tgz` for `@<scope>/<name>`.
    tarball = folder / f"{asset.package.lstrip('@').replace('/', '-')}-{asset.version}.tgz"
    if not tarball.is_file():
        return
    with tarfile.open(tarball, "r:gz") as archive:
        try:
            member = archive.getmember(f"package/{asset.path}")
        except KeyError:
            return
        stream = archive.extractfile(member)
        if stream is None:
            return
        content = stream.read()
    if sri(content) != asset.integrity:
        return
    asset.file.parent.mkdir(parents=True, exist_ok=True)
    asset.file.write_bytes(content)
