"""A ruleset: the rules file and the chosen overlays, resolved against the catalogue once.

Loading reads the data files, checks every obligation URN against the catalogue (an unknown URN
is a :class:`~soai.registry.rule_data.RulesetError`, a ``CatalogueError``, naming the file and the
URN), fixes each obligation's application date under the chosen timeline and compiles every
``when`` condition. The engine (``rules.py``) then only looks things up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from soai.catalog.catalogue import Catalogue
from soai.i18n.markers import N_
from soai.registry.classification import Label, Obligation, TraceStep
from soai.registry.conditions import Condition, compile_when, sectors_named
from soai.registry.rule_data import (
    OVERLAYS,
    RULES,
    OverlayFile,
    RoleObligations,
    RulesetError,
    RulesFile,
    read_overlay,
    read_rules,
)
from soai.registry.schemas import ROLES

# The tiers of the rules file's ``obligations``; ``high`` is split by route because the route
# decides when the obligations apply (Art. 113).
TIERS = ("in_scope", "prohibited", "annex_iii_not_high_risk", "gpai", "gpai_systemic")


@dataclass(frozen=True, slots=True)
class TierObligations:
    """The obligations of one tier for one role: those that always apply, then conditional ones."""

    always: tuple[Obligation, ...]
    conditional: tuple[tuple[Obligation, Condition], ...]


@dataclass(frozen=True, slots=True)
class Exclusion:
    key: str
    article: str
    label: Label


@dataclass(frozen=True, slots=True)
class Practice:
    key: str
    article: str
    label: Label
    obligations: Mapping[str, Obligation]
    """The point's own obligation, per role."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    key: str
    article: str
    party: str
    label: Label
    obligation: Obligation
    """Listed only for ``party``."""


@dataclass(frozen=True, slots=True)
class OverlayRule:
    condition: Condition
    obligations: Mapping[str, tuple[Obligation, ...]]
    step: TraceStep
    """The trace step it adds when it applies (shared: it does not depend on the profile)."""


@dataclass(frozen=True, slots=True)
class Overlay:
    id: str
    version: str
    title: Label
    citation: str
    rules: tuple[OverlayRule, ...]


@dataclass(frozen=True, eq=False)
class RuleSet:
    """The EU rules and the chosen overlays, ready to classify under one timeline."""

    rules_version: str
    """The rules file's version."""
    source: str
    regulation: str
    catalogue_version: str
    timeline: str
    overlays: tuple[Overlay, ...]
    systemic_threshold_flops: float
    exclusions: Mapping[str, Exclusion]
    practices: Mapping[str, Practice]
    annex_iii_areas: Mapping[str, Label]
    annex_iii_points: Mapping[str, Label]
    annex_iii_notes: Mapping[str, Label]
    art_6_3_conditions: Mapping[str, Label]
    paragraphs: Mapping[str, Paragraph]
    routes: Mapping[str, str]
    """High-risk route (``6(1)``, ``6(2)``) → the article it cites."""
    obligations: Mapping[tuple[str, str], TierObligations]
    """``(tier, role)`` → obligations; tiers are :data:`TIERS` and ``high:6(1)``, ``high:6(2)``."""
    sectors: frozenset[str]
    """The sectors some condition names: any other sector classifies like ``other``."""

    version: str
    """The rules' version with each overlay's, e.g. ``2026.11.0+kh.2026.11.0``: a change to an
    overlay, like one to the EU rules, shows which stored classifications need redoing."""
    overlay_ids: tuple[str, ...]

    def cite(self, article: str) -> str:
        """``Art. 6(2)`` → ``Regulation (EU) 2024/1689, Art. 6(2)``."""
        return f"{self.regulation}, {article}"


def load_ruleset(
    *,
    timeline: str,
    overlays: Sequence[str],
    catalogue: Catalogue,
    rules_file: Path = RULES,
    overlay_directory: Path = OVERLAYS,
) -> RuleSet:
    """The shipped rules (or ``rules_file``) with ``overlays``, dated under ``timeline``."""
    content = read_rules(rules_file)
    resolver = _Resolver(catalogue, timeline, rules_file)
    if timeline not in catalogue.framework(content.source).timelines:
        raise RulesetError(
            N_("Unknown timeline {timeline!r}; the catalogue's {source} has: {known}."),
            timeline=timeline,
            source=content.source,
            known=", ".join(catalogue.framework(content.source).timelines),
        )
    obligations = _tier_obligations(content, resolver)
    overlay_files = [read_overlay(o, overlay_directory) for o in dict.fromkeys(overlays)]
    conditions = [e.when for tier in _tiers(content) for r in ROLES for e in tier.entries(r)]
    conditions += [rule.when for overlay in overlay_files for rule in overlay.rules]
    loaded = tuple(_overlay(o, catalogue, timeline, overlay_directory) for o in overlay_files)
    return RuleSet(
        rules_version=content.version,
        source=content.source,
        regulation=content.regulation.citation,
        catalogue_version=catalogue.version,
        timeline=timeline,
        overlays=loaded,
        systemic_threshold_flops=content.gpai.systemic_threshold_flops,
        exclusions={
            key: Exclusion(key, entry.article, entry.label.as_dict())
            for key, entry in content.exclusions.items()
        },
        practices={
            key: Practice(
                key,
                f"Art. {key}",
                entry.label.as_dict(),
                {role: resolver.obligation(entry.urn, role) for role in ROLES},
            )
            for key, entry in sorted(content.prohibited_practices.items())
        },
        annex_iii_areas={key: label.as_dict() for key, label in content.annex_iii.areas.items()},
        annex_iii_points={
            key: label.as_dict() for key, label in sorted(content.annex_iii.points.items())
        },
        annex_iii_notes={key: note.as_dict() for key, note in content.annex_iii.notes.items()},
        art_6_3_conditions={
            key: label.as_dict() for key, label in sorted(content.art_6_3_conditions.items())
        },
        paragraphs={
            key: Paragraph(
                key,
                f"Art. {key}",
                entry.party,
                entry.label.as_dict(),
                resolver.obligation(entry.urn, entry.party),
            )
            for key, entry in sorted(content.transparency.items())
        },
        routes={key: entry.article for key, entry in content.high_risk_routes.items()},
        obligations=obligations,
        version="".join([content.version, *(f"+{o.id}.{o.version}" for o in loaded)]),
        overlay_ids=tuple(o.id for o in loaded),
        sectors=frozenset().union(*(sectors_named(when) for when in conditions)),
    )


class _Resolver:
    """Turns URNs of one data file into :class:`Obligation` objects, failing on unknown ones."""

    def __init__(self, catalogue: Catalogue, timeline: str, path: Path, source: str = "") -> None:
        self.catalogue, self.timeline, self.path, self.source = catalogue, timeline, path, source

    def obligation(self, urn: str, role: str, *, not_before: date | None = None) -> Obligation:
        requirement = self.catalogue.requirements.get(urn)
        if requirement is None:
            raise RulesetError(
                N_("{file} names {urn}, which is not in the catalogue."),
                file=str(self.path),
                urn=urn,
            )
        applies_from = requirement.applies_from_in(self.timeline)
        if applies_from and not_before and not_before > applies_from:
            applies_from = not_before
        return Obligation(
            urn=urn,
            ref=requirement.ref,
            title=dict(requirement.title),
            role=role,
            applies_from=applies_from or not_before,
            status=requirement.status,
            source=self.source or requirement.framework,
        )

    def dates_of(self, urn: str) -> date | None:
        return self.obligation(urn, "provider").applies_from


def _tiers(content: RulesFile) -> list[RoleObligations]:
    tiers = content.obligations
    return [tiers.high, *(getattr(tiers, tier) for tier in TIERS)]


def _tier_obligations(
    content: RulesFile, resolver: _Resolver
) -> dict[tuple[str, str], TierObligations]:
    resolver.source = content.source
    tables: dict[tuple[str, str], TierObligations] = {}
    for role in ROLES:
        for tier in TIERS:
            tables[tier, role] = _tier(getattr(content.obligations, tier), role, resolver)
        # High-risk obligations apply from the later of their own date and their route's
        # (Art. 113(c): Annex I systems a year after Annex III ones).
        for route, entry in content.high_risk_routes.items():
            tables[f"high:{route}", role] = _tier(
                content.obligations.high,
                role,
                resolver,
                not_before=resolver.dates_of(entry.dates_of),
            )
    return tables


def _tier(
    listed: RoleObligations, role: str, resolver: _Resolver, *, not_before: date | None = None
) -> TierObligations:
    entries = listed.entries(role)
    return TierObligations(
        always=tuple(
            resolver.obligation(e.urn, role, not_before=not_before)
            for e in entries
            if e.when is None
        ),
        conditional=tuple(
            (resolver.obligation(e.urn, role, not_before=not_before), compile_when(e.when))
            for e in entries
            if e.when is not None
        ),
    )


def _overlay(content: OverlayFile, catalogue: Catalogue, timeline: str, directory: Path) -> Overlay:
    header = content.overlay
    resolver = _Resolver(catalogue, timeline, directory / f"{header.id}.yaml", header.id)
    rules = tuple(
        OverlayRule(
            condition=compile_when(entry.when),
            obligations={
                role: tuple(resolver.obligation(urn, role) for urn in entry.obligations)
                for role in ROLES
            },
            step=TraceStep(
                f"{header.id}:{entry.id}",
                entry.article,
                "applies",
                text=entry.explanation.as_dict(),
                citations=(entry.citation,),
            ),
        )
        for entry in content.rules
    )
    return Overlay(header.id, header.version, header.title.as_dict(), header.citation, rules)
