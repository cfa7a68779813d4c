"""Count a cosmic-ray session's outcomes and list every mutant not killed, one line each:
job id, line, operator, outcome and the changed line(s) of its diff.

    python mutation/survivors.py mutation/sessions/<group>.sqlite
"""

from __future__ import annotations

import sqlite3
import sys
from collections import Counter


def main(path: str) -> None:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT s.job_id, s.start_pos_row, s.operator_name, r.worker_outcome,"
            " r.test_outcome, r.diff FROM mutation_specs s"
            " LEFT JOIN work_results r USING (job_id) ORDER BY s.start_pos_row, s.operator_name"
        ).fetchall()
    counts: Counter[str] = Counter()
    lines = []
    for job, row, operator, worker, test, diff in rows:
        if worker is None:
            outcome = "pending"
        elif worker == "SKIPPED":
            outcome = "excluded"
        elif worker == "NORMAL":
            outcome = str(test).lower()  # killed / survived / incompetent
        else:
            outcome = str(worker).lower()  # timeout / exception / abnormal
        counts[outcome] += 1
        if outcome not in ("killed", "excluded"):
            changed = [
                line.strip()
                for line in (diff or "").splitlines()
                if line[:1] in "+-" and not line.startswith(("---", "+++"))
            ]
            lines.append(f"{job[:8]} line {row} {operator} {outcome}: {' => '.join(changed)}")
    print(f"{path}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
