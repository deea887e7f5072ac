"""Building Open Badges 3.0 credentials (pure: no database, no keys).

A credential is a shared *template* (contexts, types, issuer, achievement) plus the values of
one issuance: its id, the hashed identity of the holder, dates and status entries. The holder
is identified the Open Badges way (``IdentityObject``): SHA-256 of the e-mail address and a
random salt, so the credential proves who holds it without showing the address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from soai.credentials.status import PURPOSES
from soai.errors import InvalidInput
from soai.i18n.markers import N_

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
STATUS_CONTEXTS = ["https://www.w3.org/ns/credentials/v2"]
DATA = Path(__file__).parent / "data" / "achievements.yaml"


@dataclass(frozen=True)
class Achievement:
    key: str
    achievement_type: str
    validity_years: int
    name: dict[str, str]
    description: dict[str, str]
    criteria: dict[str, str]


@lru_cache(maxsize=1)
def achievements() -> dict[str, Achievement]:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {item["key"]: Achievement(**item) for item in raw}


def achievement(key: str) -> Achievement:
    found = achievements().get(key)
    if found is None:
        raise InvalidInput(
            N_("Unknown achievement {name}; choose from: {names}."),
            field="achievement",
            name=key,
            names=", ".join(sorted(achievements())),
        )
    return found


def identity_hash(email: str, salt: str) -> str:
    """Open Badges ``identityHash``: ``sha256$`` + hex SHA-256 of the address and the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def template(
    *, issuer_did: str, issuer_name: str, domain: str, item: Achievement
) -> dict[str, Any]:
    """The part every credential of ``item`` from this issuer shares."""
    return {
        "@context": CONTEXTS,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": issuer_name},
        "name": item.name["en"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://{domain}/achievements/{item.key}",
                "type": ["Achievement"],
                "achievementType": item.achievement_type,
                "name": item.name["en"],
                "description": item.description["en"],
                "criteria": {"narrative": item.criteria["en"]},
            },
        },
    }


def status_list_url(domain: str, list_id: int, purpose: str) -> str:
    return f"https://{domain}/credentials/status/{list_id}/{purpose}"


def status_entries(domain: str, list_id: int, index: int) -> list[dict[str, str]]:
    return status_entries_for(
        {purpose: status_list_url(domain, list_id, purpose) for purpose in PURPOSES}, str(index)
    )


def status_entries_for(urls: dict[str, str], index: str) -> list[dict[str, str]]:
    """The ``BitstringStatusListEntry`` objects (revocation, suspension) of one credential."""
    return [
        {
            "id": f"{urls[purpose]}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": index,
            "statusListCredential": urls[purpose],
        }
        for purpose in PURPOSES
    ]


def build(
    shared: dict[str, Any],
    *,
    credential_id: str,
    identity: str,
    salt: str,
    valid_from: str,
    valid_until: str | None,
    status: list[dict[str, str]],
) -> dict[str, Any]:
    """One unsigned credential from the shared template and its own values."""
    subject = dict(shared["credentialSubject"])
    subject["identifier"] = [
        {
            "type": "IdentityObject",
            "identityHash": identity,
            "identityType": "emailAddress",
            "hashed": True,
            "salt": salt,
        }
    ]
    document = dict(shared)
    document["id"] = credential_id
    document["credentialSubject"] = subject
    document["validFrom"] = valid_from
    if valid_until is not None:
        document["validUntil"] = valid_until
    document["credentialStatus"] = status
    return document
