"""The hub's schema: the root types composed from each area, as a Federation v2 subgraph."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import SchemaExtension
from strawberry.federation import Schema
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionResult
from strawberry.types.base import get_object_definition
from strawberry.types.graphql import OperationType
from strawberry.types.info import Info as StrawberryInfo

from schema import bounds, entities
from schema.activities import ActivitiesMutation
from schema.alliances import AlliancesMutation
from schema.audit import AuditedMutation, AuditQuery, AuditRecorder
from schema.certificates import CertificatesMutation, CertificatesQuery
from schema.commendations import CommendationsMutation, CommendationsQuery
from schema.commitments import CommitmentsMutation, CommitmentsQuery
from schema.donations import DonationsMutation, DonationsQuery
from schema.evaluations import EvaluationsMutation
from schema.executor import HubExecutionContext
from schema.extensions import ErrorCodes, SqlStatements, ensure_coded
from schema.groups import GroupsMutation
from schema.help_register import HelpMutation, HelpQuery
from schema.imports import ImportMutation
from schema.input_guard import RejectNulCharacters
from schema.limits import QueryLimits
from schema.linkage import LinkageMutation
from schema.list_mutations import ListsMutation
from schema.lists import ListsQuery
from schema.live import Subscription
from schema.mall import MallMutation, MallQuery
from schema.master import MasterDataMutation, MasterDataQuery
from schema.master_units import MasterUnitsMutation
from schema.mutation_roles import guard_mutations
from schema.notifications import NotificationsMutation
from schema.opinions import OpinionsMutation, OpinionsQuery
from schema.orders import OrdersMutation, OrdersQuery
from schema.pairing_mutations import PairingMutation
from schema.partners import PartnersQuery
from schema.performance import PerformanceMutation, PerformanceQuery
from schema.performance_places import DistrictDashboardQuery
from schema.places import PlacesQuery
from schema.points import PointsMutation, PointsQuery
from schema.positions import PositionsMutation
from schema.post_duties import PostDutyMutation
from schema.posts import PostsMutation
from schema.privacy import PrivacyMutation
from schema.property import PropertyMutation, PropertyQuery
from schema.rating_policy import RatingPolicyMutation, RatingPolicyQuery
from schema.reference_data import ReferenceDataMutation
from schema.reporting_mutations import ReportingMutation
from schema.resident_point_mutations import ResidentPointsMutation
from schema.resident_points import ResidentPointsQuery
from schema.space_mutations import SpacesMutation
from schema.spaces import SpacesQuery
from schema.three_evaluations import ThreeEvaluationsQuery
from schema.unit_service import UnitServiceMutation
from schema.units import UnitsQuery
from schema.viewer import ViewerQuery
from schema.wishes import WishesMutation


@strawberry.type(
    description="Root query of dualhub, the dual-reporting (双报到) hub: the work-unit side "
    "(单位侧) and the community side (社区侧) in one schema."
)
class Query(
    ViewerQuery,
    AuditQuery,
    UnitsQuery,
    PlacesQuery,
    MasterDataQuery,
    PartnersQuery,
    ListsQuery,
    OrdersQuery,
    PropertyQuery,
    PointsQuery,
    MallQuery,
    PerformanceQuery,
    RatingPolicyQuery,
    DistrictDashboardQuery,
    OpinionsQuery,
    CommitmentsQuery,
    SpacesQuery,
    DonationsQuery,
    ResidentPointsQuery,
    HelpQuery,
    CommendationsQuery,
    CertificatesQuery,
    ThreeEvaluationsQuery,
):
    node: relay.Node | None = relay.node(
        description="Fetch any object by its global ID (全局ID); null if it does not exist."
    )
    nodes: list[relay.Node | None] = relay.node(
        description="Fetch objects by global IDs, in order; null for each that does not exist."
    )


@strawberry.type(description="Root mutation of dualhub: every change is one transaction.")
class Mutation(
    PrivacyMutation,
    ImportMutation,
    ReportingMutation,
    PairingMutation,
    PostsMutation,
    PostDutyMutation,
    ListsMutation,
    WishesMutation,
    EvaluationsMutation,
    GroupsMutation,
    ActivitiesMutation,
    UnitServiceMutation,
    OrdersMutation,
    PropertyMutation,
    LinkageMutation,
    AlliancesMutation,
    PointsMutation,
    MallMutation,
    PerformanceMutation,
    MasterUnitsMutation,
    RatingPolicyMutation,
    OpinionsMutation,
    CommitmentsMutation,
    SpacesMutation,
    DonationsMutation,
    ResidentPointsMutation,
    HelpMutation,
    CommendationsMutation,
    CertificatesMutation,
    PositionsMutation,
    MasterDataMutation,
    ReferenceDataMutation,
    NotificationsMutation,
):
    pass


MAX_BATCH_OPERATIONS = 100


class HubSchema(Schema):
    """Client mistakes are not server errors: `ErrorCodes` logs the unexpected ones, with
    traceback and request id, so strawberry's log line per error is left out."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Every error leaves with a code, also one raised where `ErrorCodes` cannot see it."""
        result = await super().execute(
            query, variable_values, context_value, root_value, operation_name,
            allowed_operation_types, operation_extensions,
        )  # fmt: skip
        if result.errors:
            result.errors = ensure_coded(result.errors, context_value)
        return result

    def entities_resolver(
        self, info: StrawberryInfo, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """Malformed representations get a coded error each; the rest resolve as usual."""
        keys = entities.entity_keys(self._schema)
        problems = [entities.problem(keys, r, i) for i, r in enumerate(representations)]
        valid = [r for r, p in zip(representations, problems, strict=True) if p is None]
        resolved = iter(super().entities_resolver(info, valid))
        return [FederationAny(p) if p is not None else next(resolved) for p in problems]


def _audit_every_mutation() -> None:
    """Every root mutation field carries `AuditedMutation`: its committed changes carry
    their audit entries (outbox rows), whichever area it belongs to."""
    for field in get_object_definition(Mutation, strict=True).fields:
        if not any(isinstance(e, AuditedMutation) for e in field.extensions):
            field.extensions.append(AuditedMutation())


@cache
def build_schema() -> HubSchema:
    """The schema, built once per process (strawberry's relay fields can be bound only once).

    Per-deployment switches (SQL statement counts, limits) travel in the request context.
    """
    # Order matters: hooks exit in reverse, so the audit insert runs inside the statement
    # count, and error coding sees everything.
    _audit_every_mutation()
    extensions: list[type[SchemaExtension]] = [
        ErrorCodes, QueryLimits, RejectNulCharacters, SqlStatements, AuditRecorder,
    ]  # fmt: skip
    schema = HubSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        federation_version="2.5",
        execution_context_class=HubExecutionContext,
        # The hard ceiling; the gateway enforces the deployment's own (DUALHUB_MAX_BATCH_SIZE).
        config=StrawberryConfig(batching_config={"max_operations": MAX_BATCH_OPERATIONS}),
    )
    bounds.install(schema._schema)
    # Installed last so it wraps outermost: a role that may not call a mutation is refused
    # before its input is even looked at.
    guard_mutations(schema)
    return schema
