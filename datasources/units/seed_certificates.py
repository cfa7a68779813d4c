"""Seeded volunteer-hours certificates (志愿服务时长证明) of the evaluation year (2025).

Through 2026, members ask for a certificate of the year they served (for a promotion file,
an award application, a school enrolment): about one in twenty members in service, issued
by himself or, for some, by the district; a few of them twice (the second after more
records were confirmed). The totals are the hub's own (`Performance.counted` of the year's
policy, from the seeded community rows, `datasources.seed_ceilings.performances_of_year`),
so a seeded certificate says what `issueVolunteerCertificate` would have said. A couple were
issued in error and revoked by the district with a reason. Each has its history
(`master_events`: issued, and revoked).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from datasources.seed_data import CHINA_TZ, Row, TableRows, derive_rng
from datasources.units.master_history import Actor, event_row
from datasources.units.models import CertificateStatus
from datasources.units.policy import CERTIFICATE
from datasources.units.seed_evaluations import EVALUATION_YEAR

SHARE = 0.05  # of the members in service
_FROM = datetime.combine(date(EVALUATION_YEAR + 1, 1, 5), time(9), tzinfo=CHINA_TZ)
_DAYS = 330  # issued from 5 January to late November 2026
_REVOKE_REASON = "开具年度有误（应为上一年度），予以撤销"
_DISTRICT = Actor("district:D01", "district", "district:D01", "seeded-district")


def _code(rng: Any, taken: set[str]) -> str:
    from resolvers.certificates import ALPHABET, CODE_LENGTH

    while True:
        code = "".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def generate_certificates(
    seed: int, unit_rows: TableRows, performances: dict[str, Any]
) -> TableRows:
    """The certificates of the evaluation year and their history rows; `performances` is
    each member's year as the hub counts it (by member code)."""
    from resolvers.certificates import breakdown  # the hub's rule, imported when seeding

    rng = derive_rng(seed, "volunteer-certificates")
    members = [m for m in unit_rows["members"] if m["in_service"] and m["code"] in performances]
    wanted = min(len(members), max(1, round(len(members) * SHARE)))
    chosen = sorted(rng.sample(members, wanted), key=lambda m: m["id"])
    rows: list[Row] = []
    events: list[Row] = []
    taken: set[str] = set()
    for member in chosen:
        performance = performances[member["code"]]
        services, hours = performance.counted()
        by_district = rng.random() < 0.3
        actor = _DISTRICT if by_district else Actor(
            f"member:{member['code']}", "member", None, f"seeded-member-{member['code']}"
        )  # fmt: skip
        issued = (_FROM + timedelta(minutes=rng.randrange(_DAYS * 24 * 60))).astimezone(UTC)
        revoked = len(rows) < 2 or rng.random() < 0.02
        row = {
            "id": len(rows) + 1, "code": _code(rng, taken), "member_id": member["id"],
            "branch_id": member["branch_id"], "member_code": member["code"],
            "member_name": member["name"], "year": EVALUATION_YEAR,
            "period_from": date(EVALUATION_YEAR, 1, 1),
            "period_to": date(EVALUATION_YEAR, 12, 31), "services": services, "hours": hours,
            "breakdown": breakdown(performance),
            "status": CertificateStatus.REVOKED if revoked else CertificateStatus.ISSUED,
            "issued_at": issued, "issued_by": actor.subject, "issuer_role": actor.role,
            "issuer_identity": actor.identity, "client_key": None,
            "revoked_at": issued + timedelta(days=3) if revoked else None,
            "revoked_by": _DISTRICT.subject if revoked else None,
            "revoked_reason": _REVOKE_REASON if revoked else None,
        }  # fmt: skip
        rows.append(row)
        events.append(_event(actor, row, "issued", issued))
        if revoked:
            events.append(_event(_DISTRICT, row, "revoked", row["revoked_at"]))
    return {"volunteer_certificates": rows, "master_events": events}


def _event(actor: Actor, row: Row, action: str, at: datetime) -> Row:
    issued = action == "issued"
    changes = (
        {"year": {"from": None, "to": row["year"]},
         "services": {"from": None, "to": row["services"]},
         "hours": {"from": None, "to": str(row["hours"])}}
        if issued else {}
    )  # fmt: skip
    note = (
        f"{row['year']}年度：服务{row['services']}次，{row['hours']}小时"
        if issued
        else row["revoked_reason"]
    )
    return {
        **event_row(
            actor, CERTIFICATE, row["id"], action,
            None if issued else CertificateStatus.ISSUED.value,
            (CertificateStatus.ISSUED if issued else CertificateStatus.REVOKED).value,
            changes, note=note,
        ),
        "occurred_at": at,
    }  # fmt: skip
