"""The catalogue as OSCAL JSON: one ``catalog`` of every requirement, ``profile``s selecting some.

OSCAL (NIST's Open Security Controls Assessment Language) is how GRC tools exchange control
catalogues and baselines, so exporting to it lets a regulator or a provider load soai's
requirements into the tools they already use. Both documents declare ``oscal-version`` 1.1.3
and validate against NIST's official OSCAL JSON schemas (``tests/catalog/oscal_schemas/``).

The mapping, in one place:

* a framework is a top-level ``group`` (its id is the framework id), a requirement is a
  ``control``, a requirement's children are its sub-``controls``;
* a control's id is ``<framework>_<requirement id>`` of the URN ``urn:soai:<framework>:<id>``
  (``urn:soai:eu-ai-act:art-9`` → ``eu-ai-act_art-9``). OSCAL ids are XML NCNames: no ``:``,
  no leading digit. Catalogue ids are ``[a-z0-9-]`` only, so ``_`` separates them without
  ambiguity, and a framework id that starts with a digit gets a leading ``_``
  (``42001-x`` → ``_42001-x``). :func:`urn_of_control` inverts it;
* facts OSCAL has no name for are ``props`` in the namespace :data:`NS`; crosswalks are
  control ``links`` with ``rel: related`` to ``#<control id>``;
* uuids are version-5 uuids of the content, so the same catalogue exports the same bytes.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from soai.catalog.catalogue import URN_PREFIX, Catalogue, Framework, Requirement
from soai.catalog.schemas import ID
from soai.errors import NotFound
from soai.i18n import translations
from soai.i18n.markers import N_

OSCAL_VERSION = "1.1.3"
NS = "https://soai.dev/ns/oscal"
LANGUAGES = ("en", "km")
# Fixed so that every export of the same content carries the same uuids.
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NS)

Json = dict[str, Any]
_ID = re.compile(ID)


def control_id(urn: str) -> str:
    """The OSCAL control id of a requirement URN (see the module docstring for the rule)."""
    framework, separator, requirement = urn.removeprefix(URN_PREFIX).partition(":")
    if not (
        urn.startswith(URN_PREFIX)
        and separator
        and _ID.fullmatch(framework)
        and _ID.fullmatch(requirement)
    ):
        raise NotFound(N_("No requirement {urn} in the catalogue."), urn=urn)
    return f"{group_id(framework)}_{requirement}"


def urn_of_control(control: str) -> str:
    """The requirement URN an OSCAL control id of this export stands for."""
    framework, _, requirement = control.removeprefix("_").partition("_")
    urn = f"{URN_PREFIX}{framework}:{requirement}"
    try:
        if control_id(urn) == control:
            return urn
    except NotFound:
        pass
    raise NotFound(N_("No requirement {urn} in the catalogue."), urn=control)


def group_id(framework_id: str) -> str:
    """The OSCAL group id of a framework: its id, ``_``-prefixed if it starts with a digit."""
    return f"_{framework_id}" if framework_id[:1].isdigit() else framework_id


def catalog_document(catalogue: Catalogue, *, language: str = "en", generated_at: datetime) -> Json:
    """The whole catalogue as one OSCAL ``catalog`` with titles and prose in ``language``.

    Metadata carries the catalogue's version (``version`` is the first 12 hex digits of its
    SHA-256, a ``catalogue-version`` prop the whole digest) and each framework's data
    version; ``back-matter`` has one resource per framework (its citation, a link to its
    source) that the framework's group links to.
    """
    _check_language(language)
    props = [
        _prop("catalogue-version", catalogue.version),
        _prop("language", language),
        *(
            _prop("data-version", f.data_version, cls=group_id(f.id))
            for f in catalogue.frameworks.values()
        ),
    ]
    catalog: Json = {
        "uuid": _uuid("catalog", catalogue.version, language),
        "metadata": {
            "title": _line(translations(language).gettext("Requirements catalogue")),
            "last-modified": _timestamp(generated_at),
            "version": catalogue.version[:12],
            "oscal-version": OSCAL_VERSION,
            "props": props,
        },
    }
    groups = [_group(catalogue, f, language) for f in catalogue.frameworks.values()]
    if groups:
        catalog["groups"] = groups
        catalog["back-matter"] = {
            "resources": [_resource(f, language) for f in catalogue.frameworks.values()]
        }
    return {"catalog": catalog}


def profile_document(
    *,
    title: str,
    urns: Sequence[str],
    catalogue: Catalogue,
    catalog_href: str,
    generated_at: datetime,
    version: str,
    remarks: str | None = None,
) -> Json:
    """An OSCAL ``profile`` selecting exactly the requirements ``urns`` from the catalog.

    The profile imports the catalog at ``catalog_href`` and includes the controls of
    ``urns`` by id (in catalogue order, each once, without their sub-controls), grouped as in
    the catalog (``merge: as-is``). This is the export of an AI system's applicable
    requirements. An unknown URN is :class:`NotFound`; an empty selection, an empty title or
    version is a ``ValueError`` (OSCAL has no way to say "no controls").
    """
    for urn in urns:
        catalogue.get(urn)  # NotFound names the first unknown URN
    order = {urn: index for index, urn in enumerate(catalogue.requirements)}
    ids = [control_id(urn) for urn in sorted(set(urns), key=order.__getitem__)]
    if not ids:
        raise ValueError("an OSCAL profile must select at least one requirement")
    metadata: Json = {
        "title": _required_line(title, "title"),
        "last-modified": _timestamp(generated_at),
        "version": _required_line(version, "version"),
        "oscal-version": OSCAL_VERSION,
        "props": [_prop("catalogue-version", catalogue.version)],
    }
    if remarks and remarks.strip():
        metadata["remarks"] = remarks.strip()
    content = [metadata["title"], metadata["version"], catalog_href, catalogue.version, *ids]
    return {
        "profile": {
            "uuid": _uuid("profile", json.dumps(content, ensure_ascii=False), remarks or ""),
            "metadata": metadata,
            "imports": [{"href": catalog_href, "include-controls": [{"with-ids": ids}]}],
            "merge": {"as-is": True},
        }
    }


def _group(catalogue: Catalogue, framework: Framework, language: str) -> Json:
    """A framework as a top-level group; its requirements without a parent are its controls."""
    props = [
        _prop("label", framework.short, ns=None),
        _prop("kind", framework.kind),
        _prop("publisher", framework.publisher),
        _prop("citation", framework.citation),
    ]
    if framework.published:
        props.append(_prop("published", framework.published.isoformat()))
    links = [{"href": f"#{_resource_uuid(framework)}", "rel": "reference"}]
    if framework.url:
        links.append({"href": framework.url, "rel": "reference"})
    group: Json = {
        "id": group_id(framework.id),
        "class": "framework",
        "title": _line(_text(framework.title, language)),
        "props": _present(props),
        "links": links,
    }
    roots = [r for r in catalogue.of_framework(framework.id) if r.parent is None]
    if roots:
        group["controls"] = [_control(catalogue, r, language) for r in roots]
    return group


def _control(catalogue: Catalogue, requirement: Requirement, language: str) -> Json:
    """A requirement as a control: statement = its summary, guidance = its citation."""
    cid = control_id(requirement.urn)
    props = [
        _prop("label", requirement.ref, ns=None),
        _prop("urn", requirement.urn),
        _prop("status", requirement.status),
        *(
            _prop("applies-from", day.isoformat(), cls=None if timeline == "*" else timeline)
            for timeline, day in requirement.applies_from.items()
        ),
        *(_prop("role", role) for role in requirement.roles),
        *(_prop("risk", risk) for risk in requirement.risks),
        *(_prop("keyword", word) for word in requirement.keywords),
    ]
    control: Json = {
        "id": cid,
        "class": requirement.kind,
        "title": _line(_text(requirement.title, language)),
        "props": _present(props),
    }
    links = [_related_link(catalogue, urn) for urn in catalogue.related(requirement.urn)]
    if links:
        control["links"] = links
    parts = [
        {"id": f"{cid}_smt", "name": "statement", "prose": _text(requirement.summary, language)}
    ]
    if requirement.citation.strip():
        parts.append({"id": f"{cid}_gdn", "name": "guidance", "prose": requirement.citation})
    control["parts"] = parts
    children = [catalogue.get(urn) for urn in catalogue.children(requirement.urn)]
    if children:
        control["controls"] = [_control(catalogue, child, language) for child in children]
    return control


def _related_link(catalogue: Catalogue, urn: str) -> Json:
    other = catalogue.get(urn)
    label = f"{catalogue.framework(other.framework).short} {other.ref}"
    return {"href": f"#{control_id(urn)}", "rel": "related", "text": _line(label)}


def _resource(framework: Framework, language: str) -> Json:
    """A framework's source document as a back-matter resource (its citation and its URL)."""
    resource: Json = {
        "uuid": _resource_uuid(framework),
        "title": _line(_text(framework.title, language)),
        "citation": {"text": _line(framework.citation)},
    }
    if framework.url:
        resource["rlinks"] = [{"href": framework.url}]
    return resource


def _resource_uuid(framework: Framework) -> str:
    return _uuid("resource", framework.id)


def _prop(name: str, value: str, *, cls: str | None = None, ns: str | None = NS) -> Json:
    """A property; standard OSCAL names (``label``) go without ``ns``, soai's own in :data:`NS`."""
    prop: Json = {"name": name, "value": _line(value)}
    if ns:
        prop["ns"] = ns
    if cls:
        prop["class"] = cls
    return prop


def _present(props: list[Json]) -> list[Json]:
    """Props with a value: OSCAL forbids empty strings (a blank citation is left out)."""
    return [p for p in props if p["value"]]


def _text(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts["en"]


def _line(text: str) -> str:
    """One line, no surrounding blanks: what OSCAL titles and prop values must be."""
    return " ".join(text.split())


def _required_line(text: str, what: str) -> str:
    line = _line(text)
    if not line:
        raise ValueError(f"an OSCAL profile needs a non-empty {what}")
    return line


def _timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC; a naive datetime would be ambiguous, so it is refused."""
    if moment.utcoffset() is None:
        raise ValueError(f"generated_at {moment.isoformat()} has no timezone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, "\x1f".join(parts)))


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"no OSCAL export in {language!r}; languages: {', '.join(LANGUAGES)}")
