"""The schema's two committed SDL files, each loadable on its own by any GraphQL library.

* `schema.graphql`, the subgraph SDL (what a gateway composes): strawberry's printout with
  the definitions of the Federation 2 directives it uses (`@link`, `@key`, `@shareable`)
  and their argument types, as the Federation and link specifications define them, so
  graphql-core's `build_schema` and graphql-js' `buildSchema` load it too.
* `schema.client.graphql`, the client schema (what clients and code generators validate
  against, and what the breaking-change check compares): the same schema without the
  federation machinery (`_entities`, `_service`, `_Any`, `_Entity`, `_Service`, the
  directives and their types).

`dualhub schema` prints the first, `dualhub schema --client` the second.
"""

from __future__ import annotations

import re

from graphql import (
    REMOVE,
    DirectiveNode,
    FieldDefinitionNode,
    Node,
    TypeDefinitionNode,
    Visitor,
    build_ast_schema,
    parse,
    print_schema,
    specified_directives,
    visit,
)

SUBGRAPH_FILE = "schema.graphql"
CLIENT_FILE = "schema.client.graphql"

# Federation 2 (https://specs.apollo.dev/federation/v2.5) and link v1.0 definitions of what
# the hub may import; `dualhub schema` refuses an import missing here.
_LINK = '''directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

"""An element imported by `@link`: a name, or `{name, as}`."""
scalar link__Import

"""What a linked specification is for."""
enum link__Purpose {
  """`SECURITY` features provide metadata necessary to securely resolve fields."""
  SECURITY

  """`EXECUTION` features provide metadata necessary for operation execution."""
  EXECUTION
}'''
_FIELD_SET = '''"""A selection of fields, as in `@key(fields: "code")`."""
scalar federation__FieldSet'''
_DIRECTIVES = {
    "@key": "directive @key(fields: federation__FieldSet!, resolvable: Boolean = true) "
    "repeatable on OBJECT | INTERFACE",
    "@shareable": "directive @shareable repeatable on OBJECT | FIELD_DEFINITION",
    "@external": "directive @external(reason: String) on OBJECT | FIELD_DEFINITION",
    "@requires": "directive @requires(fields: federation__FieldSet!) on FIELD_DEFINITION",
    "@provides": "directive @provides(fields: federation__FieldSet!) on FIELD_DEFINITION",
    "@inaccessible": "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION "
    "| ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION",
    "@interfaceObject": "directive @interfaceObject on OBJECT",
}
_IMPORTS = re.compile(
    r'@link\(url: "https://specs\.apollo\.dev/federation/[^"]+", import: \[([^\]]*)\]'
)

# What clients never see: the gateway's entry points and federation's own types.
FEDERATION_FIELDS = frozenset({"_entities", "_service"})
FEDERATION_TYPES = frozenset({"_Any", "_Entity", "_Service", "_FieldSet", "FieldSet"})
_FEDERATION_PREFIXES = ("link__", "federation__", "join__")
_CLIENT_DIRECTIVES = frozenset(directive.name for directive in specified_directives)


def federation_definitions(printed: str) -> str:
    """The definitions a strawberry printout leaves out, for the directives it imports."""
    match = _IMPORTS.search(printed)
    imported = re.findall(r'"(@\w+)"', match.group(1)) if match else []
    unknown = [name for name in imported if name not in _DIRECTIVES]
    if unknown:
        raise ValueError(f"no definition known for federation directive(s) {unknown}")
    parts = [_LINK]
    if any("federation__FieldSet" in _DIRECTIVES[name] for name in imported):
        parts.append(_FIELD_SET)
    parts.extend(_DIRECTIVES[name] for name in imported)
    return "\n\n".join(parts)


def subgraph_sdl(printed: str) -> str:
    """Strawberry's printout (`schema.as_str()`) with the federation definitions it uses."""
    return f"{printed}\n\n{federation_definitions(printed)}\n"


def client_sdl(subgraph: str) -> str:
    """The client schema of a subgraph SDL, also of an older one without definitions."""
    document = visit(parse(subgraph), _ForClients())
    return print_schema(build_ast_schema(document)) + "\n"


class _ForClients(Visitor):
    """Removes federation's definitions, directive uses and entry points."""

    def enter_directive_definition(self, *_: object) -> object:
        return REMOVE

    def enter_directive(self, node: DirectiveNode, *_: object) -> object:
        return None if node.name.value in _CLIENT_DIRECTIVES else REMOVE

    def enter(self, node: Node, *_: object) -> object:
        name = getattr(node, "name", None)
        if isinstance(node, TypeDefinitionNode) and name is not None:
            value = name.value
            if value in FEDERATION_TYPES or value.startswith(_FEDERATION_PREFIXES):
                return REMOVE
        if isinstance(node, FieldDefinitionNode) and node.name.value in FEDERATION_FIELDS:
            return REMOVE
        return None
