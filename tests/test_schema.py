"""The schema as clients see it: committed SDL, descriptions, naming conventions."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, GraphQLUnionType

from gateway.cli import main
from schema.app import build_schema

ROOT = Path(__file__).resolve().parent.parent
FEDERATION_TYPES = {"_Service", "_Any", "_Entity", "_FieldSet", "link__Import", "link__Purpose"}
FEDERATION_FIELDS = {"_entities", "_service"}


def test_committed_sdl_matches_the_running_schema() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == build_schema().as_str() + "\n", (
        "schema.graphql is stale: run `dualhub schema > schema.graphql` and review the diff"
    )


def test_cli_prints_the_same_sdl() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.output == build_schema().as_str() + "\n"


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
