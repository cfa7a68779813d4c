"""Sample a large module by function: mark as skipped every mutant outside the functions a
config names, so `cosmic-ray exec` runs only those.

    python mutation/only.py mutation/sessions/<group>.sqlite mutation/<group>.toml

The config lists them under `[cosmic-ray.filters.definitions] only = [...]`: the names
cosmic-ray records as each mutant's definition (the innermost function or class around it,
so a nested function is named by itself). A config without that section skips nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cosmic_ray.config import load_config
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult


def main(session: str, config_path: str) -> None:
    config = load_config(config_path)
    only = set(config.sub("filters", "definitions").get("only", ()))
    if not only:
        return
    skipped = 0
    with use_db(Path(session), WorkDB.Mode.open) as work_db:
        for item in work_db.pending_work_items:
            if not any(m.definition_name in only for m in item.mutations):
                work_db.set_result(
                    item.job_id,
                    WorkResult(output="outside the sampled functions",
                               worker_outcome=WorkerOutcome.SKIPPED),
                )  # fmt: skip
                skipped += 1
    print(f"{session}: {skipped} mutants outside {sorted(only)} skipped")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
