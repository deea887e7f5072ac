"""The requirements catalogue: frameworks, requirements with URNs and crosswalks, from YAML files.

Pure logic (no database, no web): the shipped data files in ``catalog/data/`` are read once,
checked (unique URNs, parents and crosswalk ends that exist, dates that parse) and frozen into a
:class:`Catalogue`. Its :attr:`Catalogue.version` is the SHA-256 of the canonical (RFC 8785)
content, so a classification or an OSCAL export can say exactly which catalogue it used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from soai.catalog.schemas import (
    CrosswalkFile,
    FrameworkEntry,
    FrameworkFile,
    RequirementEntry,
    Timeline,
)
from soai.crypto import jcs
from soai.errors import ConfigurationError, NotFound
from soai.i18n import datafiles
from soai.i18n.markers import N_

DATA = Path(__file__).parent / "data"
CROSSWALKS = "crosswalks.yaml"
URN_PREFIX = "urn:soai:"
ALL_TIMELINES = "*"

_File = TypeVar("_File", FrameworkFile, CrosswalkFile)


class CatalogueError(ConfigurationError):
    code = "catalogue_invalid"
    hint = "Fix the catalogue data file named above; nothing was loaded."


@dataclass(frozen=True, slots=True)
class Requirement:
    urn: str
    framework: str
    id: str
    ref: str
    kind: str
    parent: str | None
    title: Mapping[str, str]
    summary: Mapping[str, str]
    citation: str
    status: str
    applies_from: Mapping[str, date]
    roles: tuple[str, ...]
    risks: tuple[str, ...]
    keywords: tuple[str, ...]

    def applies_from_in(self, timeline: str) -> date | None:
        """When this requirement applies under ``timeline`` (``None``: no date is set)."""
        return self.applies_from.get(timeline) or self.applies_from.get(ALL_TIMELINES)

    def text(self, language: str) -> str:
        return self.title.get(language) or self.title["en"]

    def binds(self, *, role: str, risk: str) -> bool:
        """Whether this requirement falls on a system of ``risk`` whose operator acts as ``role``."""
        role_ok = "any" in self.roles or role in self.roles
        risk_ok = "any" in self.risks or risk in self.risks
        return role_ok and risk_ok


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    short: str
    title: Mapping[str, str]
    kind: str
    publisher: str
    citation: str
    url: str | None
    published: date | None
    data_version: str
    timelines: Mapping[str, Timeline]


@dataclass(frozen=True, slots=True)
class Crosswalk:
    source: str
    targets: tuple[str, ...]
    note: Mapping[str, str]


@dataclass(frozen=True, eq=False)
class Catalogue:
    frameworks: Mapping[str, Framework]
    requirements: Mapping[str, Requirement]
    crosswalks: Sequence[Crosswalk]
    version: str
    _related: Mapping[str, tuple[str, ...]] = field(repr=False)
    _children: Mapping[str, tuple[str, ...]] = field(repr=False)

    def get(self, urn: str) -> Requirement:
        try:
            return self.requirements[urn]
        except KeyError:
            raise NotFound(N_("No requirement {urn} in the catalogue."), urn=urn) from None

    def framework(self, framework_id: str) -> Framework:
        try:
            return self.frameworks[framework_id]
        except KeyError:
            raise NotFound(
                N_("No framework {framework!r} in the catalogue."), framework=framework_id
            ) from None

    def of_framework(self, framework_id: str) -> list[Requirement]:
        return [r for r in self.requirements.values() if r.framework == framework_id]

    def children(self, urn: str) -> tuple[str, ...]:
        return self._children.get(urn, ())

    def related(self, urn: str) -> tuple[str, ...]:
        """URNs a crosswalk links to ``urn``, in either direction, in catalogue order."""
        return self._related.get(urn, ())

    def crosswalks_of(self, urn: str) -> list[Crosswalk]:
        return [c for c in self.crosswalks if c.source == urn or urn in c.targets]


def urn_of(framework_id: str, requirement_id: str) -> str:
    return f"{URN_PREFIX}{framework_id}:{requirement_id}"


def load(directory: Path = DATA, *, extra: Iterable[Path] = ()) -> Catalogue:
    """Read every framework file in ``directory`` (and ``extra`` files), then the crosswalks."""
    files = sorted(p for p in directory.glob("*.yaml") if p.name != CROSSWALKS)
    files += list(extra)
    parsed = [(path, _parse(path, FrameworkFile)) for path in files]
    parsed.sort(key=lambda item: (item[1].framework.position, item[1].framework.id))
    crosswalk_path = directory / CROSSWALKS
    crosswalk_file = _parse(crosswalk_path, CrosswalkFile) if crosswalk_path.is_file() else None

    frameworks: dict[str, Framework] = {}
    requirements: dict[str, Requirement] = {}
    for path, content in parsed:
        entry = content.framework
        if entry.id in frameworks:
            raise CatalogueError(
                N_("{file}: framework {framework!r} is defined twice"),
                file=str(path),
                framework=entry.id,
            )
        frameworks[entry.id] = _framework(entry, content.timelines)
        ids = {r.id for r in content.requirements}
        for item in content.requirements:
            urn = urn_of(entry.id, item.id)
            if urn in requirements:
                raise CatalogueError(
                    N_("{file}: requirement {id!r} is defined twice"), file=str(path), id=item.id
                )
            if item.parent is not None and item.parent not in ids:
                raise CatalogueError(
                    N_("{file}: requirement {id!r}: parent {parent!r} does not exist"),
                    file=str(path),
                    id=item.id,
                    parent=item.parent,
                )
            _check_timelines(path, item, content.timelines)
            requirements[urn] = _requirement(entry.id, item)

    _check_no_cycles(requirements)
    crosswalks = _crosswalks(crosswalk_path, crosswalk_file, requirements)
    return Catalogue(
        frameworks=frameworks,
        requirements=requirements,
        crosswalks=crosswalks,
        version=_digest(parsed, crosswalk_file),
        _related=_related_index(crosswalks, requirements),
        _children=_children_index(requirements),
    )


def _parse(path: Path, model: type[_File]) -> _File:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError(
            N_("Cannot read catalogue file {file}: {reason}"), file=str(path), reason=str(exc)
        ) from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_location(raw, error['loc'])}: {error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise CatalogueError(
            N_("{file} is not a valid catalogue file: {problems}"),
            file=str(path),
            problems=problems,
        ) from exc


def _location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """``requirements[art-9].title.km`` rather than ``requirements.12.title.km``."""
    return datafiles.where(raw, loc)


def _framework(entry: FrameworkEntry, timelines: Mapping[str, Timeline]) -> Framework:
    return Framework(
        id=entry.id,
        short=entry.short,
        title=entry.title.as_dict(),
        kind=entry.kind.value,
        publisher=entry.publisher,
        citation=entry.citation,
        url=entry.url,
        published=entry.published,
        data_version=entry.data_version,
        timelines=dict(timelines),
    )


def _check_timelines(path: Path, item: RequirementEntry, timelines: Mapping[str, Timeline]) -> None:
    if isinstance(item.applies_from, dict):
        unknown = sorted(set(item.applies_from) - set(timelines))
        if unknown:
            raise CatalogueError(
                N_("{file}: requirement {id!r}: applies_from names unknown timeline(s) {names}"),
                file=str(path),
                id=item.id,
                names=", ".join(unknown),
            )


def _requirement(framework_id: str, item: RequirementEntry) -> Requirement:
    if isinstance(item.applies_from, dict):
        applies: dict[str, date] = dict(item.applies_from)
    elif item.applies_from is not None:
        applies = {ALL_TIMELINES: item.applies_from}
    else:
        applies = {}
    applies_to = item.applies_to
    return Requirement(
        urn=urn_of(framework_id, item.id),
        framework=framework_id,
        id=item.id,
        ref=item.ref,
        kind=item.kind.value,
        parent=urn_of(framework_id, item.parent) if item.parent else None,
        title=item.title.as_dict(),
        summary=item.summary.as_dict(),
        citation=item.citation,
        status=item.status.value,
        applies_from=applies,
        roles=tuple(applies_to.roles) if applies_to else ("any",),
        risks=tuple(applies_to.risk) if applies_to else ("any",),
        keywords=tuple(item.keywords),
    )


def _check_no_cycles(requirements: Mapping[str, Requirement]) -> None:
    """A requirement may not be its own ancestor (it would vanish from every tree view)."""
    for urn in requirements:
        seen = {urn}
        parent = requirements[urn].parent
        while parent is not None:
            if parent in seen:
                raise CatalogueError(
                    N_("Requirement {urn} is its own ancestor (parent loop through {parent})."),
                    urn=urn,
                    parent=parent,
                )
            seen.add(parent)
            parent = requirements[parent].parent


def _crosswalks(
    path: Path, content: CrosswalkFile | None, requirements: Mapping[str, Requirement]
) -> list[Crosswalk]:
    if content is None:
        return []
    result = []
    for number, entry in enumerate(content.crosswalks, start=1):
        for urn in (entry.from_, *entry.to):
            if urn not in requirements:
                raise CatalogueError(
                    N_("{file}: crosswalk {number} links to {urn}, which is not in the catalogue"),
                    file=str(path),
                    number=number,
                    urn=urn,
                )
        result.append(Crosswalk(entry.from_, tuple(entry.to), entry.note.as_dict()))
    return result


def _related_index(
    crosswalks: Sequence[Crosswalk], requirements: Mapping[str, Requirement]
) -> dict[str, tuple[str, ...]]:
    links: dict[str, set[str]] = {}
    for walk in crosswalks:
        for target in walk.targets:
            links.setdefault(walk.source, set()).add(target)
            links.setdefault(target, set()).add(walk.source)
    order = {urn: index for index, urn in enumerate(requirements)}
    return {urn: tuple(sorted(found, key=order.__getitem__)) for urn, found in links.items()}


def _children_index(requirements: Mapping[str, Requirement]) -> dict[str, tuple[str, ...]]:
    children: dict[str, list[str]] = {}
    for requirement in requirements.values():
        if requirement.parent:
            children.setdefault(requirement.parent, []).append(requirement.urn)
    return {urn: tuple(found) for urn, found in children.items()}


def _digest(parsed: Sequence[tuple[Path, FrameworkFile]], crosswalks: CrosswalkFile | None) -> str:
    content = {
        "frameworks": sorted(
            (c.model_dump(mode="json", by_alias=True) for _, c in parsed),
            key=lambda f: f["framework"]["id"],
        ),
        "crosswalks": crosswalks.model_dump(mode="json", by_alias=True) if crosswalks else None,
    }
    return hashlib.sha256(jcs.canonicalize(content)).hexdigest()
