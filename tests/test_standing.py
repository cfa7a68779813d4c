"""A company's standing aggregates over all the compounds it serves (`aggregate`): one low
compound among good ones is averaged in, and too few compounds scored decide nothing."""

from __future__ import annotations

from decimal import Decimal

from datasources.community.partner_models import PropertyScorer
from datasources.community.standing import CompoundTotal, aggregate, conclusive

C, B = PropertyScorer.COMMUNITY, PropertyScorer.BRANCH


def _compound(company: int, community: int, branch: int | None, stars: int | None) -> CompoundTotal:
    criteria = {1: (C, Decimal(community))}
    if branch is not None:
        criteria[2] = (B, Decimal(branch))
    resident = None if stars is None else Decimal(stars) / 5 * 20
    return CompoundTotal(company_id=company, resident=resident, criteria=criteria)


def test_one_low_compound_is_averaged_with_the_good_ones() -> None:
    per = {(1, 7): _compound(7, 40, 40, 5), (2, 7): _compound(7, 40, 40, 5),
           (3, 7): _compound(7, 10, 10, 1)}  # fmt: skip
    (standing,) = aggregate(per, {7: {1, 2, 3}}, 50).values()
    assert (standing.community, standing.branch, standing.resident) == (30, 30, Decimal("14.67"))
    assert (standing.served, standing.scored, standing.conclusive) == (3, 3, True)


def test_a_criterion_is_averaged_over_the_compounds_scored_on_it() -> None:
    # A compound without a branch is not a zero on the branch criteria.
    per = {(1, 7): _compound(7, 40, 40, None), (2, 7): _compound(7, 20, None, None)}
    (standing,) = aggregate(per, {}, 50).values()
    assert (standing.community, standing.branch, standing.resident) == (30, 40, 0)
    assert standing.served == 2  # the scored compounds count as served


def test_too_few_compounds_scored_is_inconclusive() -> None:
    per = {(1, 7): _compound(7, 5, 5, 1)}
    (standing,) = aggregate(per, {7: {1, 2, 3, 4}}, 50).values()
    assert (standing.served, standing.scored, standing.conclusive) == (4, 1, False)
    assert conclusive(4, 2, 50) is True
    assert conclusive(0, 0, 50) is True
    assert conclusive(3, 1, 34) is False


def test_ratings_alone_do_not_count_as_scored() -> None:
    per = {(1, 7): _compound(7, 40, 40, 5),
           (2, 7): CompoundTotal(company_id=7, resident=Decimal(4), criteria={})}  # fmt: skip
    (standing,) = aggregate(per, {7: {1, 2}}, 100).values()
    assert (standing.scored, standing.conclusive, standing.resident) == (1, False, 12)
