"""The schema as clients see it: committed SDL, descriptions, naming conventions."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLUnionType,
    parse,
    validate,
)
from graphql import build_schema as graphql_build_schema

from gateway.cli import main
from schema.app import build_schema
from schema.sdl import CLIENT_FILE, SUBGRAPH_FILE, client_sdl, subgraph_sdl

ROOT = Path(__file__).resolve().parent.parent
FEDERATION_TYPES = {"_Service", "_Any", "_Entity", "_FieldSet", "link__Import", "link__Purpose"}
FEDERATION_FIELDS = {"_entities", "_service"}


def test_committed_sdl_matches_the_running_schema() -> None:
    committed = (ROOT / SUBGRAPH_FILE).read_text(encoding="utf-8")
    assert committed == subgraph_sdl(build_schema().as_str()), (
        "schema.graphql is stale: run `dualhub schema > schema.graphql` and review the diff"
    )


def test_committed_client_schema_matches_the_running_schema() -> None:
    committed = (ROOT / CLIENT_FILE).read_text(encoding="utf-8")
    assert committed == client_sdl(subgraph_sdl(build_schema().as_str())), (
        "schema.client.graphql is stale: run "
        "`dualhub schema --client > schema.client.graphql` and review the diff"
    )


def test_cli_prints_the_same_sdl() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.output == (ROOT / SUBGRAPH_FILE).read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["schema", "--client"])
    assert result.exit_code == 0
    assert result.output == (ROOT / CLIENT_FILE).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [SUBGRAPH_FILE, CLIENT_FILE])
def test_each_committed_file_loads_on_its_own(name: str) -> None:
    """As gql (`Client(schema=...)`) and code generators load a local schema file: with
    graphql-core's `build_schema`, which validates the SDL (directives must be defined)."""
    schema = graphql_build_schema((ROOT / name).read_text(encoding="utf-8"))
    assert schema.query_type is not None
    assert "member" in schema.query_type.fields
    assert not validate(schema, parse('{ member(code: "M001186") { id name } }'))


def test_the_subgraph_sdl_defines_the_federation_directives_it_uses() -> None:
    schema = graphql_build_schema((ROOT / SUBGRAPH_FILE).read_text(encoding="utf-8"))
    key = schema.get_directive("key")
    assert key is not None
    assert str(key.args["fields"].type) == "federation__FieldSet!"
    assert schema.get_directive("shareable") is not None
    assert schema.get_directive("link") is not None
    assert schema.query_type is not None
    assert "_entities" in schema.query_type.fields


def test_the_client_schema_has_no_federation_machinery() -> None:
    text = (ROOT / CLIENT_FILE).read_text(encoding="utf-8")
    schema = graphql_build_schema(text)
    assert schema.query_type is not None
    assert not FEDERATION_FIELDS & set(schema.query_type.fields)
    assert not {n for n in schema.type_map if n in FEDERATION_TYPES or "__" in n.strip("_")}
    assert "@key" not in text
    assert "@shareable" not in text
    assert "@link" not in text
    assert {d.name for d in schema.directives} == {
        "include", "skip", "deprecated", "specifiedBy", "oneOf"
    }  # fmt: skip


def test_every_type_field_and_argument_is_described() -> None:
    schema = build_schema()._schema
    missing: list[str] = []
    for name, type_ in schema.type_map.items():
        if (
            name.startswith("__")
            or name in FEDERATION_TYPES
            or name
            in {
                "String",
                "Int",
                "Float",
                "Boolean",
                "ID",
                "Date",
                "DateTime",
                "Decimal",
            }
        ):
            continue
        if not type_.description:
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                if field_name in FEDERATION_FIELDS:
                    continue
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description and arg_name not in {
                        "filter",
                        "orderBy",
                        "code",
                        "includeEnded",
                        "id",
                        "ids",
                    }:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(type_, GraphQLEnumType | GraphQLUnionType) and not type_.description:
            missing.append(name)
    assert missing == []


def test_field_names_are_camel_case() -> None:
    schema = build_schema()._schema
    for name, type_ in schema.type_map.items():
        if isinstance(type_, GraphQLObjectType | GraphQLInputObjectType):
            for field_name in type_.fields:
                assert "_" not in field_name.lstrip("_"), f"{name}.{field_name}"


def test_a_federation_import_without_a_known_definition_is_refused() -> None:
    """A directive strawberry starts importing must get its definition here, not slip into
    schema.graphql undefined again."""
    printed = build_schema().as_str().replace('"@shareable"]', '"@shareable", "@composeDirective"]')
    assert printed != build_schema().as_str()
    with pytest.raises(ValueError, match="@composeDirective"):
        subgraph_sdl(printed)
