"""Prometheus metrics of the datasources: SQL statements and their time, DataLoader batch
sizes, audit log writes. Exposed with the hub's others at /metrics (`gateway.metrics`).

prometheus-client keeps them per process, or in PROMETHEUS_MULTIPROC_DIR when that is set
before it is imported (several workers, see `gateway.metrics`). Every label is bounded by the
code: datasource names, loader functions, outcomes.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Statements take from tens of microseconds (SQLite, an indexed row) to the statement time
# limit (5 s by default).
SQL_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)

SQL_STATEMENTS = Histogram(
    "dualhub_sql_statement_duration_seconds",
    "Time of one SQL statement, by datasource (its _count is the number of statements).",
    ["datasource"],
    buckets=SQL_BUCKETS,
)
SQL_ERRORS = Counter(
    "dualhub_sql_statement_errors_total",
    "SQL statements that failed (timeouts, lost locks, unreachable server), by datasource.",
    ["datasource"],
)
LOADER_BATCH_SIZE = Histogram(
    "dualhub_dataloader_batch_size",
    "Keys in one DataLoader batch (one statement each), by loader function.",
    ["loader"],
    buckets=BATCH_BUCKETS,
)
AUDIT_WRITES = Counter(
    "dualhub_audit_writes_total",
    "Audit entries written to the audit log (outcome=written) or not written (outcome=failed; "
    "a mutation's entry then waits in its side's outbox).",
    ["outcome"],
)
