"""Forget the results of the mutants a session did not kill, so `cosmic-ray exec` runs them
again (with the config's current test command) and keeps every other result.

    python mutation/again.py mutation/sessions/<group>.sqlite
"""

from __future__ import annotations

import sqlite3
import sys


def main(path: str) -> None:
    with sqlite3.connect(path) as db:
        cursor = db.execute(
            "DELETE FROM work_results WHERE worker_outcome != 'SKIPPED'"
            " AND (test_outcome IS NULL OR test_outcome != 'KILLED')"
        )
        print(f"{path}: {cursor.rowcount} mutants to run again")


if __name__ == "__main__":
    main(sys.argv[1])
