"""Mutations of residents' points (居民积分) and young volunteers (小小志愿者): a guardian
enrols his child with his consent and may withdraw it; a resident signs himself or his
child up for an activity of his community and cancels before it starts; the community
confirms participation, which earns points on the volunteer's own ledger; a resident
redeems mall items with his own or his child's points."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

import strawberry
from strawberry import relay

from datasources.community.resident_points import models
from resolvers import resident_points as rp
from schema.base import Info
from schema.bounds import between, text
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import (
    Change,
    UserError,
    audit_result,
    mutate,
    mutate_node,
    node_id_of,
    not_found,
    refused,
)
from schema.resident_points import ResidentActivitySignup, ResidentRedemption, ResidentVolunteer

_VOLUNTEER_ID = (
    "A young volunteer the resident is guardian of (小小志愿者ID); omitted: the resident himself."
)
_VOLUNTEER_GONE = not_found(rp.VOLUNTEER_NOT_FOUND, "input.volunteerId")
_SIGNUP_GONE = not_found(rp.SIGNUP_NOT_FOUND, "input.signupId")
_ACTIVITY_GONE = not_found(rp.ACTIVITY_NOT_FOUND, "input.activityId")
_ITEM_GONE = not_found(rp.ITEM_NOT_FOUND, "input.itemId")
_ERRORS = "Why it was refused (业务错误); empty on success. Nothing changed then."


@strawberry.input(description="Enrol a child as a young volunteer (登记小小志愿者).")
class EnrolYoungVolunteerInput:
    birth_year: int = strawberry.field(
        metadata=between(2000, 2100),
        description=f"The child's birth year (出生年份): {rp.MIN_AGE} to {rp.MAX_AGE} years old.",
    )
    guardian_consent: bool = strawberry.field(
        description="The guardian consents to the child's volunteering (监护人同意); must be true."
    )
    consent_note: str | None = strawberry.field(
        default=None, metadata=text(500),
        description="What the guardian agrees to (同意说明), e.g. 陪同参加周末活动.",
    )  # fmt: skip
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Withdraw the consent for a young volunteer (撤回监护人同意).")
class WithdrawYoungVolunteerConsentInput:
    volunteer_id: relay.GlobalID = strawberry.field(description="The young volunteer.")
    reason: str = strawberry.field(metadata=text(500), description="Why (原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Sign up for an activity as a resident (居民报名).")
class SignUpResidentForActivityInput:
    activity_id: relay.GlobalID = strawberry.field(description="The activity (活动ID).")
    volunteer_id: relay.GlobalID | None = strawberry.field(default=None, description=_VOLUNTEER_ID)
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Cancel a resident's signup (取消居民报名).")
class CancelResidentSignupInput:
    signup_id: relay.GlobalID = strawberry.field(description="The signup (报名ID).")
    reason: str | None = strawberry.field(
        default=None, metadata=text(500), description="Why (原因)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Check in at an activity's venue as a resident (居民签到).")
class CheckInResidentInput:
    activity_id: relay.GlobalID = strawberry.field(description="The activity (活动ID).")
    code: str = strawberry.field(
        metadata=text(16), description="The check-in code shown at the venue (签到码)."
    )
    volunteer_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description=_VOLUNTEER_ID + " The guardian checks in the child he accompanies.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Confirm a resident's participation (确认居民参加).")
class ConfirmResidentParticipationInput:
    signup_id: relay.GlobalID = strawberry.field(description="The signup (报名ID).")
    note: str | None = strawberry.field(
        default=None, metadata=text(500), description="A note (备注)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Redeem a mall item with resident points (居民积分兑换).")
class RedeemMallItemAsResidentInput:
    item_id: relay.GlobalID = strawberry.field(description="The item (商品ID).")
    quantity: int = strawberry.field(
        default=1, metadata=between(1, rp.MAX_QUANTITY), description="Pieces (数量)."
    )
    volunteer_id: relay.GlobalID | None = strawberry.field(
        default=None, description=_VOLUNTEER_ID + " The child's ledger pays."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.type(description="Result of a volunteer account mutation (志愿者账户操作结果).")
class ResidentVolunteerPayload:
    volunteer: ResidentVolunteer | None = strawberry.field(
        description="The account; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a resident signup mutation (居民报名操作结果).")
class ResidentSignupPayload:
    signup: ResidentActivitySignup | None = strawberry.field(
        description="The signup; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a resident redemption (居民积分兑换结果).")
class ResidentRedemptionPayload:
    redemption: ResidentRedemption | None = strawberry.field(
        description="The redemption; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _volunteer(row: models.ResidentVolunteer) -> ResidentVolunteerPayload:
    return ResidentVolunteerPayload(volunteer=ResidentVolunteer.from_row(row))


def _signup(row: models.ResidentActivitySignup) -> ResidentSignupPayload:
    return ResidentSignupPayload(signup=ResidentActivitySignup.from_row(row))


def _redemption(row: models.ResidentRedemption) -> ResidentRedemptionPayload:
    return ResidentRedemptionPayload(redemption=ResidentRedemption.from_row(row))


_RESIDENT_ONLY = "只有本社区居民可以进行此操作。"


@strawberry.type(description="Mutations of residents' points (居民积分) and young volunteers.")
class ResidentPointsMutation:
    @strawberry.mutation(
        description="Enrol a child as a young volunteer (登记小小志愿者): his guardian, a "
        f"resident, with his consent (guardianConsent true, else INVALID_INPUT); "
        f"{rp.MIN_AGE} to {rp.MAX_AGE} years old (INVALID_INPUT); at most "
        f"{rp.MAX_CHILDREN} per guardian (FULL). The consent is recorded in the history."
    )
    async def enrol_young_volunteer(
        self,
        info: Info,
        input: Annotated[EnrolYoungVolunteerInput, strawberry.argument(description="It.")],
    ) -> ResidentVolunteerPayload:
        key = input.client_mutation_id
        change = Change(name="enrolYoungVolunteer", entity=rp.VOLUNTEER, key=key,
                        forbidden="只有居民可以为其监护的未成年人登记小小志愿者。")  # fmt: skip
        action = rp.enrol_young(info.context, input.birth_year, input.guardian_consent,
                                input.consent_note, key)  # fmt: skip
        return await mutate(info, change, ResidentVolunteerPayload, action, _volunteer)

    @strawberry.mutation(
        description="Withdraw the consent for a young volunteer (撤回监护人同意): his guardian, "
        "with a reason; his live signups are cancelled, his ledger stays and takes nothing "
        "more. Once (INVALID_STATE again)."
    )
    async def withdraw_young_volunteer_consent(
        self,
        info: Info,
        input: Annotated[
            WithdrawYoungVolunteerConsentInput, strawberry.argument(description="It.")
        ],
    ) -> ResidentVolunteerPayload:
        change = Change(name="withdrawYoungVolunteerConsent", entity=rp.VOLUNTEER,
                        key=input.client_mutation_id, forbidden="只有监护人可以撤回同意。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, ResidentVolunteerPayload, input.volunteer_id,
            lambda row_id: rp.withdraw_consent(info.context, row_id, input.reason), _volunteer,
            unknown=_VOLUNTEER_GONE,
        )  # fmt: skip

    @strawberry.mutation(
        description="Sign up for an activity of the resident's own community (居民报名): for "
        "himself (his account opens on the first signup) or for a young volunteer he is "
        "guardian of. Takes one of the activity's places, shared with members and units: "
        "none left: FULL (no waitlist); signed up already: DUPLICATE; not published or "
        "ended, or the child's consent withdrawn: INVALID_STATE."
    )
    async def sign_up_resident_for_activity(
        self,
        info: Info,
        input: Annotated[SignUpResidentForActivityInput, strawberry.argument(description="It.")],
    ) -> ResidentSignupPayload:
        key = input.client_mutation_id
        change = Change(name="signUpResidentForActivity", entity=rp.SIGNUP, key=key,
                        forbidden=_RESIDENT_ONLY)  # fmt: skip
        child = None
        if input.volunteer_id is not None:
            child = node_id_of(input.volunteer_id, rp.VOLUNTEER)
            if child is None:
                return refused(ResidentSignupPayload, _VOLUNTEER_GONE, key)

        def sign_up(activity_id: int) -> Awaitable[models.ResidentActivitySignup]:
            return rp.sign_up(info.context, activity_id, child, key)

        return await mutate_node(
            info, change, ResidentSignupPayload, input.activity_id, sign_up, _signup,
            unknown=_ACTIVITY_GONE, node_type="Activity", audited=audit_result(rp.SIGNUP),
        )  # fmt: skip

    @strawberry.mutation(
        description="Cancel a resident's signup (取消居民报名) before the activity starts "
        "(OUTSIDE_WINDOW after): the resident, for himself or his child; the place is free "
        "again. Once (INVALID_STATE)."
    )
    async def cancel_resident_signup(
        self,
        info: Info,
        input: Annotated[CancelResidentSignupInput, strawberry.argument(description="It.")],
    ) -> ResidentSignupPayload:
        change = Change(name="cancelResidentSignup", entity=rp.SIGNUP,
                        key=input.client_mutation_id,
                        forbidden="只有报名的居民或其监护人可以取消报名。")  # fmt: skip
        return await mutate_node(
            info, change, ResidentSignupPayload, input.signup_id,
            lambda row_id: rp.cancel_signup(info.context, row_id, input.reason), _signup,
            unknown=_SIGNUP_GONE,
        )  # fmt: skip

    @strawberry.mutation(
        description="Check in at the venue (居民签到) with the code shown there: a resident, for "
        "himself or a young volunteer he accompanies, signed up and inside the check-in "
        "window (OUTSIDE_WINDOW). Confirms the participation at once and earns the "
        "activity's points on the volunteer's own ledger. A wrong or expired code: "
        "INVALID_CODE, counted: the fifth since the latest code and every one after it: "
        "TOO_MANY_ATTEMPTS; not signed up, or checked in already: INVALID_STATE."
    )
    async def check_in_resident(
        self,
        info: Info,
        input: Annotated[CheckInResidentInput, strawberry.argument(description="It.")],
    ) -> ResidentSignupPayload:
        key = input.client_mutation_id
        change = Change(name="checkInResident", entity=rp.SIGNUP, key=key,
                        forbidden=_RESIDENT_ONLY)  # fmt: skip
        child = None
        if input.volunteer_id is not None:
            child = node_id_of(input.volunteer_id, rp.VOLUNTEER)
            if child is None:
                return refused(ResidentSignupPayload, _VOLUNTEER_GONE, key)

        def check_in(activity_id: int) -> Awaitable[models.ResidentActivitySignup]:
            return rp.check_in(info.context, activity_id, input.code, child)

        return await mutate_node(
            info, change, ResidentSignupPayload, input.activity_id, check_in, _signup,
            unknown=_ACTIVITY_GONE, node_type="Activity", audited=audit_result(rp.SIGNUP),
        )  # fmt: skip

    @strawberry.mutation(
        description="Confirm a resident's or young volunteer's participation (确认居民参加): "
        "the activity's community (committee or grid roles), once it has started "
        "(OUTSIDE_WINDOW before), not for a cancelled activity or withdrawn consent "
        "(INVALID_STATE). Earns the activity's points (or the district's rule for attending "
        "when it sets none) on the volunteer's own ledger, never a member's. Once."
    )
    async def confirm_resident_participation(
        self,
        info: Info,
        input: Annotated[ConfirmResidentParticipationInput, strawberry.argument(description="It.")],
    ) -> ResidentSignupPayload:
        change = Change(name="confirmResidentParticipation", entity=rp.SIGNUP,
                        key=input.client_mutation_id,
                        forbidden="只有活动所在社区可以确认居民参加。")  # fmt: skip
        return await mutate_node(
            info, change, ResidentSignupPayload, input.signup_id,
            lambda row_id: rp.confirm(info.context, row_id, input.note), _signup,
            unknown=_SIGNUP_GONE,
        )  # fmt: skip

    @strawberry.mutation(
        description="Redeem a mall item with resident points (居民积分兑换): a resident, from "
        "his own ledger or that of a young volunteer he is guardian of. The same items and "
        "stock as members' redemptions: none left: OUT_OF_STOCK; too few points: "
        "INSUFFICIENT_POINTS; off sale: INVALID_STATE."
    )
    async def redeem_mall_item_as_resident(
        self,
        info: Info,
        input: Annotated[RedeemMallItemAsResidentInput, strawberry.argument(description="It.")],
    ) -> ResidentRedemptionPayload:
        key = input.client_mutation_id
        change = Change(name="redeemMallItemAsResident", entity=rp.REDEMPTION, key=key,
                        forbidden=_RESIDENT_ONLY)  # fmt: skip
        child = None
        if input.volunteer_id is not None:
            child = node_id_of(input.volunteer_id, rp.VOLUNTEER)
            if child is None:
                return refused(ResidentRedemptionPayload, _VOLUNTEER_GONE, key)

        def redeem(item_id: int) -> Awaitable[models.ResidentRedemption]:
            return rp.redeem(info.context, item_id, input.quantity, child, key)

        return await mutate_node(
            info, change, ResidentRedemptionPayload, input.item_id, redeem, _redemption,
            unknown=_ITEM_GONE, node_type="MallItem", audited=audit_result(rp.REDEMPTION),
        )  # fmt: skip
