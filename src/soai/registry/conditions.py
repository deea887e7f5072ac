"""The ``when`` conditions of the rules data, compiled once into plain predicates.

A condition is a mapping of keys that must all hold. This vocabulary is what lets a country add
its overlay file without code; it is also used by the EU rules for conditional obligations
(Art. 27's fundamental-rights impact assessment):

=====================  ======================================================================
``risk_in: [..]``      the EU risk tier is one of these (prohibited, high, limited, minimal,
                       out_of_scope)
``sector_in: [..]``    the profile's sector is one of these (compared in lower case)
``role_in: [..]``      the profile's role is one of these (provider, deployer)
``route_in: [..]``     the high-risk route is one of these (6(1), 6(2))
``profiling: bool``    the profile's ``profiling`` answer equals this
``annex_iii_any``      ``[..]``: the profile lists at least one of these Annex III points;
                       ``true``: it lists any point; ``false``: it lists none
``transparency_any``   the same over the Art. 50 paragraphs
``gpai_in: [..]``      the GPAI tier is one of these (none, gpai, gpai_systemic)
``any_of: [..]``       at least one of these nested conditions holds
=====================  ======================================================================
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from typing import NamedTuple

from soai.registry.rule_data import When


class Facts(NamedTuple):
    """What a condition may look at: the profile's answers and the EU outcome.

    (A named tuple because one is made for every classification, and it is the cheapest to make.)
    """

    risk: str
    route: str | None
    gpai: str
    sector: str
    role: str
    profiling: bool
    annex_iii: Collection[str]
    transparency: Collection[str]


Condition = Callable[[Facts], bool]


def always(_facts: Facts) -> bool:
    return True


def compile_when(when: When | None) -> Condition:
    """``when`` as one predicate over :class:`Facts` (no condition: always true)."""
    if when is None:
        return always
    checks: list[Condition] = []
    if when.risk_in is not None:
        risks = frozenset(when.risk_in)
        checks.append(lambda f: f.risk in risks)
    if when.sector_in is not None:
        sectors = frozenset(when.sector_in)
        checks.append(lambda f: f.sector in sectors)
    if when.role_in is not None:
        roles = frozenset(when.role_in)
        checks.append(lambda f: f.role in roles)
    if when.route_in is not None:
        routes = frozenset(when.route_in)
        checks.append(lambda f: f.route in routes)
    if when.profiling is not None:
        profiling = when.profiling
        checks.append(lambda f: f.profiling is profiling)
    if when.annex_iii_any is not None:
        checks.append(_any_of_listed(when.annex_iii_any, lambda f: f.annex_iii))
    if when.transparency_any is not None:
        checks.append(_any_of_listed(when.transparency_any, lambda f: f.transparency))
    if when.gpai_in is not None:
        tiers = frozenset(when.gpai_in)
        checks.append(lambda f: f.gpai in tiers)
    if when.any_of is not None:
        alternatives = [compile_when(nested) for nested in when.any_of]
        checks.append(functools.reduce(_either, alternatives))
    # Nested closures rather than all(...) over a generator: conditions run once per profile.
    return functools.reduce(_both, checks) if checks else always


def _both(first: Condition, second: Condition) -> Condition:
    return lambda f: first(f) and second(f)


def _either(first: Condition, second: Condition) -> Condition:
    return lambda f: first(f) or second(f)


def _any_of_listed(
    wanted: Sequence[str] | bool, listed: Callable[[Facts], Collection[str]]
) -> Condition:
    if wanted is True:
        return lambda f: bool(listed(f))
    if wanted is False:
        return lambda f: not listed(f)
    values = frozenset(wanted)
    return lambda f: not values.isdisjoint(listed(f))


def sectors_named(when: When | None) -> frozenset[str]:
    """Every sector ``when`` mentions: the only sectors that can change a classification."""
    if when is None:
        return frozenset()
    found = set(when.sector_in or ())
    for nested in when.any_of or ():
        found |= sectors_named(nested)
    return frozenset(found)
