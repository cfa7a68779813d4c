"""The shape of a GraphQL document, measured in time linear in its size.

Depth, aliases and the number of fields a document asks for once its fragments are
expanded. Each fragment is measured once, after the fragments it spreads, and its figures
are reused wherever it is spread: a document whose twenty fragments each spread the next
one twice asks for a million fields, and measuring it takes forty steps, not a million.

Spreads of unknown fragments, and the spread that closes a cycle, measure as empty:
validation refuses those documents with its own errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# Figures saturate here: an absurd document stays an integer JSON clients can read.
CEILING = 2**53 - 1


def _add(a: int, b: int) -> int:
    return min(a + b, CEILING)


@dataclass(frozen=True)
class Shape:
    """What a selection set asks for, its fragments expanded."""

    # Deepest chain of fields with a selection (strawberry's QueryDepthLimiter count:
    # Relay's `edges` and `node` included, introspection fields not).
    depth: int = 0
    aliases: int = 0  # aliased fields
    fields: int = 0  # fields

    def __add__(self, other: Shape) -> Shape:
        return Shape(
            max(self.depth, other.depth),
            _add(self.aliases, other.aliases),
            _add(self.fields, other.fields),
        )


EMPTY = Shape()


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def operations_of(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def spreads_in(selection_set: SelectionSetNode) -> Iterator[str]:
    """Names of the fragments spread in `selection_set` (not inside those fragments)."""
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)


def fragment_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Every fragment after the fragments it spreads (depth first, without recursion).

    A spread that closes a cycle is not followed, so a cycle's fragments come in the
    order the walk met them.
    """
    done: set[str] = set()
    order: list[str] = []
    for root in fragments:
        if root in done:
            continue
        on_path = {root}
        stack = [(root, spreads_in(fragments[root].selection_set))]
        while stack:
            name, pending = stack[-1]
            spread = next(pending, None)
            if spread is None:
                stack.pop()
                on_path.discard(name)
                done.add(name)
                order.append(name)
            elif spread in fragments and spread not in done and spread not in on_path:
                on_path.add(spread)
                stack.append((spread, spreads_in(fragments[spread].selection_set)))
    return order


class ShapeMeter:
    """Measures the operations of one document; each fragment once."""

    def __init__(self, document: DocumentNode) -> None:
        fragments = fragments_of(document)
        self._known: dict[str, Shape] = {}
        for name in fragment_order(fragments):
            self._known[name] = self.selection_set(fragments[name].selection_set)

    def selection_set(self, selection_set: SelectionSetNode) -> Shape:
        shape = EMPTY
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                shape += self._field(selection)
            elif isinstance(selection, InlineFragmentNode):
                shape += self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                # Unknown, or the spread closing a cycle: validation refuses those.
                shape += self._known.get(selection.name.value, EMPTY)
        return shape

    def _field(self, node: FieldNode) -> Shape:
        own = Shape(aliases=1 if node.alias else 0, fields=1)
        if node.selection_set is None:
            return own
        inner = self.selection_set(node.selection_set)
        # Introspection fields do not count towards depth, nor does what they select.
        depth = 0 if node.name.value.startswith("__") else 1 + inner.depth
        return Shape(depth, _add(own.aliases, inner.aliases), _add(1, inner.fields))


def measure(document: DocumentNode) -> list[tuple[OperationDefinitionNode, Shape]]:
    """Each operation of `document` with its shape."""
    meter = ShapeMeter(document)
    return [(op, meter.selection_set(op.selection_set)) for op in operations_of(document)]


# Per response name: how many fields answer to it, and their weights (1 + the fields
# below each, fragments expanded).
_Names = dict[str, tuple[int, int]]


class OverlapMeter:
    """Estimates the comparisons graphql-core's OverlappingFieldsCanBeMerged makes.

    That rule compares, in every selection set of the document, each pair of fields that
    answer to the same name (fragments and inline fragments flattened into the set), and
    each such pair's sub-selections with each other: time quadratic in a set that repeats
    one name. A pair counts the weights of both its fields, a field weighing 1 plus the
    fields below it. The work to count is bounded by the expanded fields
    (`Shape.fields`), so measure only a document whose expanded size is within limits.
    """

    def __init__(self, document: DocumentNode) -> None:
        self.comparisons = 0
        fragments = fragments_of(document)
        self._known: dict[str, tuple[_Names, int]] = {}
        for name in fragment_order(fragments):
            self._known[name] = self._count(fragments[name].selection_set)
        for operation in operations_of(document):
            self._count(operation.selection_set)

    def _count(self, selection_set: SelectionSetNode) -> tuple[_Names, int]:
        """The response names at the top of `selection_set` (flattened) and the fields in
        it (expanded); its comparisons counted."""
        names: _Names = {}
        fields = 0
        spread: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below = 0
                if selection.selection_set is not None:
                    below = self._count(selection.selection_set)[1]
                self._merge(names, {(selection.alias or selection.name).value: (1, 1 + below)})
                fields = _add(fields, 1 + below)
            elif isinstance(selection, InlineFragmentNode):
                inner, inner_fields = self._count(selection.selection_set)
                # Flattened into this set, its fields are compared here again.
                for count, weight in inner.values():
                    self.comparisons = _add(self.comparisons, (count - 1) * weight)
                self._merge(names, inner)
                fields = _add(fields, inner_fields)
            elif isinstance(selection, FragmentSpreadNode):
                known, known_fields = self._known.get(selection.name.value, ({}, 0))
                fields = _add(fields, known_fields)
                # Its own pairs were compared where it is defined, and graphql-core
                # compares a fragment spread twice in one set only once.
                if selection.name.value not in spread:
                    spread.add(selection.name.value)
                    self._merge(names, known)
        return names, fields

    def _merge(self, names: _Names, other: _Names) -> None:
        for name, (count, weight) in other.items():
            seen, seen_weight = names.get(name, (0, 0))
            if seen:  # each new field against each seen one: both weights per pair
                self.comparisons = _add(self.comparisons, seen * weight + count * seen_weight)
            names[name] = (seen + count, _add(seen_weight, weight))


def field_comparisons(document: DocumentNode) -> int:
    """Comparisons of fields sharing a response name (see `OverlapMeter`)."""
    return OverlapMeter(document).comparisons
