"""The fast path's differential corpus: query documents the test suite sends.

    DUALHUB_RECORD_QUERIES=/tmp/sent.jsonl python -m pytest tests/test_x.py ...
    python -m tests.fast_path_corpus /tmp/sent.jsonl   # rewrites tests/fast_path_corpus.json

Keeps each distinct (document, variables) once, queries only (a mutation changes what the
second run would read), and leaves out the audit log's own lists (every read of personal
fields adds an entry, so two runs of one query differ by design).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

CORPUS = Path(__file__).with_name("fast_path_corpus.json")


def replayable(query: str) -> bool:
    try:
        document = parse(query)
    except GraphQLError:
        return True  # a parse error is a response like any other
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if any(op.operation is not OperationType.QUERY for op in operations):
        return False
    return "auditEvents" not in query


def build(lines: list[str]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    corpus = []
    for line in lines:
        entry = json.loads(line)
        key = json.dumps(entry, sort_keys=True)
        if key in seen or not replayable(entry["query"]):
            continue
        seen.add(key)
        corpus.append(entry)
    return corpus


def load() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(CORPUS.read_text(encoding="utf-8"))
    return entries


if __name__ == "__main__":
    recorded = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
    corpus = build(recorded)
    CORPUS.write_text(json.dumps(corpus, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(corpus)} documents from {len(recorded)} recorded requests", file=sys.stderr)
