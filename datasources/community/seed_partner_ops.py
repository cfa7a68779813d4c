"""Deterministic partner operations on top of the generated places and alliances.

- Red property: the year's criteria and award tiers (data); one active contract for every
  compound served (some with an earlier contract of another company, lapsed or
  terminated; some lapsed and not replaced, reading EXPIRED; some renewed); commitments
  of companies with a Party organisation; 2025's residents' ratings and community and
  branch scores, and the 2025 result computed from them as `closePropertyYear` would; each
  company's red-property status then follows from its criteria (`status_by_criteria`).
- Linkage meetings of every form: `seed_linkage` (after the building groups).
- Alliances: a quarterly rotating chair from founding to the end of the period, in the
  parties' rotation order, and held joint meetings with minutes and attendance; the
  convenor chairs its meeting, so it is always present.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from datasources.community.models import RedPropertyStatus
from datasources.community.partner_models import (
    AllianceMeetingStatus,
    ContractStatus,
    PropertyScorer,
    criteria_from,
    status_by_criteria,
)
from datasources.community.standing import CompoundTotal, aggregate
from datasources.seed_data import (
    CHINA_TZ,
    PERIOD_END,
    Row,
    TableRows,
    derive_rng,
    person_name,
    random_date,
)

EVALUATED_YEAR = 2025
CRITERIA = (  # code, name, scorer, max score; community 40 + branch 40 + residents 20 = 100
    ("service.standard", "服务标准落实（保洁、绿化、维修响应）", PropertyScorer.COMMUNITY, 15),
    ("safety", "消防与治安安全管理", PropertyScorer.COMMUNITY, 10),
    ("fees.transparent", "收费公开透明", PropertyScorer.COMMUNITY, 5),
    ("governance", "参与社区治理与四方联动", PropertyScorer.COMMUNITY, 10),
    ("party.building", "党建工作开展（党员亮身份、主题党日）", PropertyScorer.BRANCH, 15),
    ("volunteer", "党员志愿服务与便民服务", PropertyScorer.BRANCH, 10),
    ("complaints", "业主诉求办理与回访", PropertyScorer.BRANCH, 10),
    ("commitments", "承诺事项兑现", PropertyScorer.BRANCH, 5),
)
TIERS = (  # name, minimum total, amount in yuan, passes
    ("示范红色物业奖励", Decimal(90), Decimal(500_000), True),
    ("红色物业奖补", Decimal(80), Decimal(200_000), True),
    ("红色物业鼓励奖", Decimal(70), Decimal(50_000), True),
    ("考评合格", Decimal(60), Decimal(0), True),
)
MEETING_TOPICS = (
    "通报上季度共建项目进展，会商下季度实事项目",
    "研究辖区老旧小区改造中的党建共建事项",
    "交流成员单位资源清单，对接社区需求清单",
    "部署联盟成员单位志愿服务活动",
)
FUND_YUAN = Decimal(1_500_000)  # Qianjiang's yearly fund for red property (150万元)
FUND_COVERAGE_PERCENT = 50
_CENT = Decimal("0.01")


def _at(day: date) -> datetime:
    """A fixed time of `day` (10:00 China time), so reseeding gives identical rows."""
    return datetime.combine(day, time(10), tzinfo=CHINA_TZ).astimezone(UTC)


def generate_partner_ops(seed: int, rows: TableRows) -> TableRows:
    rng = derive_rng(seed, "partner_ops")
    out: TableRows = {}
    out["property_criteria"] = [
        {"id": len(CRITERIA) * y + i + 1, "year": year, "code": code, "name": name,
         "scorer": scorer, "max_score": top, "sort_order": i + 1}
        for y, year in enumerate((EVALUATED_YEAR, EVALUATED_YEAR + 1))
        for i, (code, name, scorer, top) in enumerate(CRITERIA)
    ]  # fmt: skip
    out["property_award_tiers"] = [
        {"id": len(TIERS) * y + i + 1, "year": year, "name": name, "min_total": low,
         "amount_yuan": amount, "passes": passes}
        for y, year in enumerate((EVALUATED_YEAR, EVALUATED_YEAR + 1))
        for i, (name, low, amount, passes) in enumerate(TIERS)
    ]  # fmt: skip
    served = [c for c in rows["compounds"] if c["property_company_id"] is not None]
    companies = rows["property_companies"]
    terms = derive_rng(seed, "partner_contract_terms")
    out["property_contracts"] = _contracts(rng, terms, served, companies)
    out["property_commitments"] = _commitments(rng, served, companies)
    out["property_ratings"], out["property_scores"] = _ratings_and_scores(
        rng, derive_rng(seed, "partner_unscored"), served, out["property_criteria"]
    )
    per_compound = _compound_totals(out)
    out["property_year_results"] = _results(out, companies, per_compound)
    out["property_award_funds"], out["property_compound_awards"] = _awards(
        per_compound, {c["id"]: c["community_id"] for c in rows["compounds"]}
    )
    _red_statuses(out, companies)
    out["alliance_chair_terms"] = _chair_terms(rows["alliances"], rows["alliance_parties"])
    out["alliance_meetings"], out["alliance_meeting_attendance"] = _alliance_meetings(
        rng, rows["alliances"], rows["alliance_parties"]
    )
    return out


def _red_statuses(out: TableRows, companies: list[Row]) -> None:
    """Each company's status follows its seeded criteria, as `reassess` would have set it
    step by step (so no company is seeded as REVOKED: none lost a status it earned here)."""
    years: dict[int, list[int]] = defaultdict(list)
    for commitment in out["property_commitments"]:
        years[commitment["company_id"]].append(commitment["year"])
    latest = {r["company_id"]: r for r in out["property_year_results"] if r["conclusive"]}
    for company in companies:
        result = latest.get(company["id"])
        criteria = criteria_from(
            has_party_branch=company["has_party_branch"],
            covered_by_sector_committee=company["covered_by_sector_committee"],
            commitment_years=years[company["id"]],
            latest_year=None if result is None else result["year"],
            latest_passed=bool(result and result["passed"]),
            this_year=PERIOD_END.year,
        )
        company["red_property_status"] = status_by_criteria(criteria, RedPropertyStatus.NONE)


def _contracts(
    rng: random.Random, terms: random.Random, served: list[Row], companies: list[Row]
) -> list[Row]:
    """One current contract per served compound, and the demo's edge cases (dates fixed
    against PERIOD_END, so they read the same on any day after it): an earlier company's
    contract that lapsed and was replaced (reads EXPIRED) or was terminated early (ENDED);
    a current contract that lapsed and was not replaced (reads EXPIRED; the company keeps
    serving until a successor is signed); one renewed past its original term (续约)."""
    contracts: list[Row] = []
    for compound in served:
        starts = random_date(rng, date(2021, 1, 1), date(2025, 6, 30))
        if len(companies) > 1 and rng.random() < 0.2:  # an earlier company's contract
            others = [c["id"] for c in companies if c["id"] != compound["property_company_id"]]
            earlier = starts - timedelta(days=365 * 3)
            lapsed = terms.random() < 0.5  # ran its term, or was terminated before it
            contracts.append({
                "id": len(contracts) + 1, "compound_id": compound["id"],
                "company_id": rng.choice(others), "starts_on": earlier,
                "ends_on": starts - timedelta(days=1 if lapsed else -180),
                "status": ContractStatus.ENDED, "ended_on": starts - timedelta(days=1),
                "created_at": _at(earlier),
            })  # fmt: skip
        ends = max(starts + timedelta(days=365 * 3 - 1), PERIOD_END + timedelta(days=540))
        kind = terms.random()
        if kind < 0.12:  # lapsed, not replaced: reads EXPIRED, never blocks a successor
            ends = PERIOD_END - timedelta(days=terms.randint(20, 200))
        elif kind < 0.25:  # renewed (续约): a second term after the first three years
            ends = starts + timedelta(days=365 * 6 - 1)
        contracts.append({
            "id": len(contracts) + 1, "compound_id": compound["id"],
            "company_id": compound["property_company_id"], "starts_on": starts,
            "ends_on": ends, "status": ContractStatus.ACTIVE, "ended_on": None,
            "created_at": _at(starts),
        })  # fmt: skip
    return contracts


def _commitments(rng: random.Random, served: list[Row], companies: list[Row]) -> list[Row]:
    organised = {
        c["id"] for c in companies if c["has_party_branch"] or c["covered_by_sector_committee"]
    }
    pairs = sorted({(c["property_company_id"], c["community_id"]) for c in served})
    commitments: list[Row] = []
    for company_id, community_id in pairs:
        if company_id not in organised or rng.random() < 0.25:
            continue
        for year in (EVALUATED_YEAR, EVALUATED_YEAR + 1):
            commitments.append({
                "id": len(commitments) + 1, "company_id": company_id,
                "community_id": community_id, "year": year,
                "signed_on": random_date(rng, date(year, 1, 5), date(year, 3, 31)),
                "commitments": "亮身份、亮承诺；参与四方联动；收费公开；诉求限时办结。",
            })  # fmt: skip
    return commitments


def _ratings_and_scores(
    rng: random.Random, unscored: random.Random, served: list[Row], criteria: list[Row]
) -> tuple[list[Row], list[Row]]:
    """Ratings of every served compound; scores of most (a share left unscored, so some
    companies' results rest on part of their compounds: partial coverage)."""
    ratings: list[Row] = []
    scores: list[Row] = []
    year_criteria = [c for c in criteria if c["year"] == EVALUATED_YEAR]
    for compound in served:
        skipped = unscored.random() < 0.45
        quality = rng.uniform(0.55, 0.98)  # how well the company serves this compound
        for n in range(rng.randint(3, 8)):
            stars = max(1, min(5, round(quality * 5 + rng.uniform(-1.2, 0.8))))
            ratings.append({
                "id": len(ratings) + 1, "compound_id": compound["id"],
                "company_id": compound["property_company_id"],
                "household": f"{rng.randint(1, 12)}-{rng.randint(1, 18)}{n:02d}",
                "period": str(EVALUATED_YEAR), "stars": stars, "comment": None,
                "created_at": _at(date(EVALUATED_YEAR, 12, 1) + timedelta(days=n)),
            })  # fmt: skip
        for criterion in year_criteria:
            if skipped:
                break
            if criterion["scorer"] is PropertyScorer.BRANCH and not compound["party_branch_name"]:
                continue
            # The community and the branch score a little above the residents' mood.
            points = Decimal(criterion["max_score"]) * Decimal(
                str(round(min(quality + 0.08, 1), 2))
            )
            scores.append({
                "id": len(scores) + 1, "compound_id": compound["id"],
                "company_id": compound["property_company_id"], "criterion_id": criterion["id"],
                "score": points.quantize(Decimal("0.5")), "comment": None,
                "scored_by": "seed", "created_at": _at(date(EVALUATED_YEAR, 12, 20)),
            })  # fmt: skip
    return ratings, scores


def _compound_totals(out: TableRows) -> dict[tuple[int, int], CompoundTotal]:
    """2025's (compound, company) totals, as `resolvers.property.compound_totals` reads them."""
    stars: dict[tuple[int, int], list[int]] = defaultdict(list)
    for rating in out["property_ratings"]:
        stars[(rating["compound_id"], rating["company_id"])].append(rating["stars"])
    scorer = {c["id"]: c["scorer"] for c in out["property_criteria"]}
    criteria: dict[tuple[int, int], dict[int, tuple[PropertyScorer, Decimal]]] = defaultdict(dict)
    for score in out["property_scores"]:
        key = (score["compound_id"], score["company_id"])
        criteria[key][score["criterion_id"]] = (scorer[score["criterion_id"]], score["score"])
    totals = {}
    for key in set(stars) | set(criteria):
        given = stars.get(key, [])
        resident = Decimal(sum(given)) / len(given) / 5 * 20 if given else None
        totals[key] = CompoundTotal(
            company_id=key[1], resident=resident, criteria=dict(criteria.get(key, {}))
        )
    return totals


def _served_in(contracts: list[Row], year: int) -> dict[int, set[int]]:
    """As `resolvers.property.compounds_served`: contracts of the year, holdover included."""
    served: dict[int, set[int]] = defaultdict(set)
    for k in contracts:
        ended = k["ended_on"]
        if k["starts_on"] <= date(year, 12, 31) and (
            k["status"] is ContractStatus.ACTIVE
            or (ended is not None and ended >= date(year, 1, 1))
        ):
            served[k["company_id"]].add(k["compound_id"])
    return served


def _results(
    out: TableRows, companies: list[Row], per_compound: dict[tuple[int, int], CompoundTotal]
) -> list[Row]:
    """2025's result, computed as `resolvers.property.close_year` does: over all the
    compounds each company served, with coverage (some inconclusive)."""
    served = _served_in(out["property_contracts"], EVALUATED_YEAR)
    standings = aggregate(per_compound, served, FUND_COVERAGE_PERCENT)
    code = {c["id"]: c["code"] for c in companies}
    ranked = sorted(standings, key=lambda cid: (-standings[cid].total, code[cid]))
    results: list[Row] = []
    for rank, cid in enumerate(ranked, start=1):
        standing = standings[cid]
        tier = next((t for t in TIERS if standing.total >= t[1]), None)
        results.append({
            "id": rank, "company_id": cid, "year": EVALUATED_YEAR,
            "resident_score": standing.resident, "community_score": standing.community,
            "branch_score": standing.branch, "total": standing.total, "rank": rank,
            "passed": bool(standing.conclusive and tier and tier[3]),
            "tier_name": tier[0] if tier else None, "amount_yuan": Decimal(0),
            "compounds_served": standing.served, "compounds_scored": standing.scored,
            "conclusive": standing.conclusive,
            "created_at": _at(date(EVALUATED_YEAR + 1, 1, 15)),
        })  # fmt: skip
    return results


def _awards(
    per_compound: dict[tuple[int, int], CompoundTotal], community_of: dict[int, int]
) -> tuple[list[Row], list[Row]]:
    """2025's fund (Qianjiang: 150万元) and its awards to compounds, best first, by the tier
    each reaches, while the fund lasts: the compounds it cannot cover go without (the
    fund is never exceeded)."""
    fund = {"id": 1, "year": EVALUATED_YEAR, "total_yuan": FUND_YUAN,
            "min_coverage_percent": FUND_COVERAGE_PERCENT, "set_by": "seed",
            "set_at": _at(date(EVALUATED_YEAR, 1, 10))}  # fmt: skip
    awards: list[Row] = []
    left = FUND_YUAN
    scored = {key: t for key, t in per_compound.items() if t.criteria}
    awarded: set[int] = set()
    # The best compound of each community first, then the second best, ...: the fund
    # reaches every community before it runs out.
    turn: dict[tuple[int, int], int] = {}
    seen: dict[int, int] = defaultdict(int)
    for key in sorted(scored, key=lambda k: (-scored[k].total, k)):
        community = community_of[key[0]]
        turn[key] = seen[community]
        seen[community] += 1
    for compound_id, company_id in sorted(scored, key=lambda k: (turn[k], -scored[k].total, k)):
        total = scored[(compound_id, company_id)]
        tier = next((t for t in TIERS if total.total >= t[1]), None)
        if tier is None or tier[2] == 0 or tier[2] > left or compound_id in awarded:
            continue
        awarded.add(compound_id)
        left -= tier[2]
        awards.append({
            "id": len(awards) + 1, "fund_id": 1, "compound_id": compound_id,
            "company_id": total.company_id, "tier_name": tier[0], "amount_yuan": tier[2],
            "compound_total": total.total, "awarded_by": "seed",
            "created_at": _at(date(EVALUATED_YEAR + 1, 1, 20)),
        })  # fmt: skip
    return [fund], awards


def _q(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _chair_terms(alliances: list[Row], parties: list[Row]) -> list[Row]:
    members: dict[int, list[Row]] = defaultdict(list)
    for party in parties:
        members[party["alliance_id"]].append(party)
    terms: list[Row] = []
    for alliance in alliances:
        order = sorted(members[alliance["id"]], key=lambda p: (p["rotation_order"], p["id"]))
        if not order:
            continue
        start = date(
            alliance["founded_on"].year, (alliance["founded_on"].month - 1) // 3 * 3 + 1, 1
        )
        turn = 0
        while start <= PERIOD_END:
            month = start.month + 3
            end = date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1) - timedelta(days=1)
            terms.append({
                "id": len(terms) + 1, "alliance_id": alliance["id"],
                "membership_id": order[turn % len(order)]["id"], "starts_on": start,
                "ends_on": end,
            })  # fmt: skip
            start, turn = end + timedelta(days=1), turn + 1
    return terms


def _alliance_meetings(
    rng: random.Random, alliances: list[Row], parties: list[Row]
) -> tuple[list[Row], list[Row]]:
    members: dict[int, list[Row]] = defaultdict(list)
    for party in parties:
        members[party["alliance_id"]].append(party)
    meetings: list[Row] = []
    attendance: list[Row] = []
    for alliance in alliances:
        for _ in range(rng.randint(2, 4)):
            held = random_date(rng, max(alliance["founded_on"], date(2025, 1, 1)), PERIOD_END)
            meetings.append({
                "id": len(meetings) + 1, "alliance_id": alliance["id"],
                "convened_by_id": rng.choice(members[alliance["id"]])["id"], "held_on": held,
                "agenda": rng.choice(MEETING_TOPICS),
                "minutes": "各成员单位通报共建进展，围绕议题逐项会商。",
                "decisions": "形成共建事项清单，明确牵头单位和完成时限。",
                "status": AllianceMeetingStatus.HELD, "created_at": _at(held),
            })  # fmt: skip
            for party in members[alliance["id"]]:
                # The convenor chairs its meeting (召集方主持): always present.
                convenor = party["id"] == meetings[-1]["convened_by_id"]
                present = convenor or rng.random() < 0.85
                attendance.append({
                    "meeting_id": meetings[-1]["id"], "membership_id": party["id"],
                    "present": present,
                    "representative": person_name(rng, male=rng.random() < 0.5) if present else None,
                })  # fmt: skip
    return meetings, attendance
