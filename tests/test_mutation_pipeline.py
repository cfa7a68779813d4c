"""The one mutation pipeline (`schema.mutations.mutate`): what it answers for each outcome."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError, GraphQLObjectType
from sqlalchemy.exc import IntegrityError
from strawberry import relay

from resolvers.audit import AuditTrail
from resolvers.workflow import Refusal, RefusalCode
from schema.app import build_schema
from schema.mutations import RACE_LOST, Audited, Change, UserError, mutate, mutate_node, refused


@strawberry.type
class Row:
    id: int
    name: str = "x"


@strawberry.type
class RowPayload:
    row: Row | None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
    client_mutation_id: str | None = None


def _info() -> Any:
    return SimpleNamespace(context=SimpleNamespace(audit=AuditTrail()))


CHANGE = Change(name="doIt", entity="Row", key="k-1", forbidden="不行。", detail={"why": "因为"})


def _ok(row: Row) -> RowPayload:
    return RowPayload(row=row)


async def _returns(row: Row) -> Row:
    return row


async def _raises(error: Exception) -> Row:
    raise error


def _payload_types() -> list[type[Any]]:
    mutation = build_schema()._schema.mutation_type
    assert isinstance(mutation, GraphQLObjectType)
    types = []
    for graphql_field in mutation.fields.values():
        payload = graphql_field.type.of_type if hasattr(graphql_field.type, "of_type") else None
        payload = payload or graphql_field.type
        definition = (payload.extensions or {}).get("strawberry-definition")
        types.append(definition.origin)
    return types


@pytest.mark.parametrize("payload", _payload_types(), ids=lambda t: t.__name__)
def test_every_mutation_payload_can_carry_a_refusal(payload: type[Any]) -> None:
    answer = refused(payload, Refusal(RefusalCode.NOT_FOUND, "未找到。", "input.id"), "k")
    assert [(e.code, e.field) for e in answer.user_errors] == [(RefusalCode.NOT_FOUND, "input.id")]
    assert answer.client_mutation_id == "k"


async def test_success_is_audited_on_the_targets_and_echoes_the_key() -> None:
    info = _info()
    answer = await mutate(info, CHANGE, RowPayload, _returns(Row(id=7)), _ok)
    assert answer == RowPayload(row=Row(id=7), user_errors=[], client_mutation_id="k-1")
    [entry] = info.context.audit.mutations
    assert (entry["name"], entry["type"], entry["targets"], entry["detail"]) == (
        "doIt", "Row", ["7"], {"why": "因为"}
    )  # fmt: skip


async def test_an_audited_override_names_another_type_and_ids() -> None:
    info = _info()
    await mutate(
        info, CHANGE, RowPayload, _returns(Row(id=3)), _ok,
        audited=lambda row: Audited("Other", [f"o{row.id}"], {"n": row.name}),
    )  # fmt: skip
    [entry] = info.context.audit.mutations
    assert (entry["type"], entry["targets"], entry["detail"]) == ("Other", ["o3"], {"n": "x"})


async def test_a_refusal_is_a_user_error_and_nothing_is_audited() -> None:
    info = _info()
    refusal = Refusal(RefusalCode.INVALID_STATE, "状态不对。", "input.id")
    answer = await mutate(info, CHANGE, RowPayload, _raises(refusal), _ok)
    assert answer.row is None
    assert answer.client_mutation_id == "k-1"
    assert [(e.code, e.message) for e in answer.user_errors] == [
        (RefusalCode.INVALID_STATE, "状态不对。")
    ]
    assert info.context.audit.mutations == []
    assert info.context.audit.denials == []


async def test_a_refusal_found_before_the_rule_runs_is_answered_the_same() -> None:
    answer = await mutate(_info(), CHANGE, RowPayload, Refusal(RefusalCode.NOT_FOUND, "无。"), _ok)
    assert [e.code for e in answer.user_errors] == [RefusalCode.NOT_FOUND]


async def test_a_permission_error_is_forbidden_and_audited_as_denied() -> None:
    info = _info()
    change = Change(name="doIt", entity="Row", forbidden="不行。", targets=["9"])
    with pytest.raises(GraphQLError) as raised:
        await mutate(info, change, RowPayload, _raises(PermissionError("no")), _ok)
    assert raised.value.extensions == {"code": "FORBIDDEN"}
    assert raised.value.message == "不行。"
    assert info.context.audit.denials == [{"name": "doIt", "type": "Row", "targets": ["9"]}]
    assert info.context.audit.mutations == []


def _integrity(message: str) -> IntegrityError:
    return IntegrityError("INSERT", {}, Exception(message))


async def test_a_lost_unique_race_is_duplicate_and_other_integrity_errors_propagate() -> None:
    lost = _integrity("UNIQUE constraint failed: merchants.code")
    answer = await mutate(_info(), CHANGE, RowPayload, _raises(lost), _ok)
    assert [(e.code, e.message) for e in answer.user_errors] == [(RefusalCode.DUPLICATE, RACE_LOST)]
    with pytest.raises(IntegrityError):
        await mutate(_info(), CHANGE, RowPayload, _raises(_integrity("NOT NULL failed")), _ok)


async def test_mutate_node_refuses_a_global_id_of_another_type_without_running_the_rule() -> None:
    ran: list[int] = []

    async def rule(row_id: int) -> Row:
        ran.append(row_id)
        return Row(id=row_id)

    unknown = Refusal(RefusalCode.NOT_FOUND, "无。", "input.id")
    wrong = relay.GlobalID("Other", "5")
    answer = await mutate_node(_info(), CHANGE, RowPayload, wrong, rule, _ok, unknown=unknown)
    assert [e.field for e in answer.user_errors] == ["input.id"]
    assert ran == []

    info = _info()
    answer = await mutate_node(
        info, CHANGE, RowPayload, relay.GlobalID("Row", "5"), rule, _ok, unknown=unknown
    )
    assert answer.row == Row(id=5)
    assert ran == [5]
    assert info.context.audit.mutations[0]["targets"] == ["5"]
