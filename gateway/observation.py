"""What the hub notes about each request: GraphQL operation, role and error codes.

`gateway.observing.Observed` opens an `Observation` per request in a context variable; the
layers below fill it in (the GraphQL view: operation names and error codes; `Hub.context`:
the role; `gateway.refusals`: the codes of HTTP refusals), and it becomes the request's
metrics and log line.
"""

from __future__ import annotations

import re
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

# The name of the first operation of a document, for one sent without `operationName`.
_OPERATION_NAME = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


@dataclass
class Observation:
    request_id: str
    graphql: bool = False
    operations: list[str | None] = field(default_factory=list)
    role: str | None = None
    error_codes: list[str] = field(default_factory=list)

    @property
    def operation(self) -> str | None:
        """The operation's name; a batch's first named one."""
        return next((name for name in self.operations if name), None)


_current: ContextVar[Observation | None] = ContextVar("dualhub_observation", default=None)


def current() -> Observation | None:
    return _current.get()


def note_operation(operation_name: str | None, query: str | None) -> None:
    """A GraphQL operation of this request: the name it was sent with, else its document's."""
    observation = _current.get()
    if observation is None:
        return
    observation.graphql = True
    if not operation_name and query:
        match = _OPERATION_NAME.search(query[:2000])
        operation_name = match.group(1) if match else None
    observation.operations.append(operation_name)


def note_errors(codes: list[str]) -> None:
    observation = _current.get()
    if observation is not None:
        observation.error_codes.extend(codes)


def note_role(role: str) -> None:
    observation = _current.get()
    if observation is not None:
        observation.role = role


def observing(observation: Observation) -> Token[Observation | None]:
    """Make `observation` the current request's; reset with the returned token."""
    return _current.set(observation)
