"""Revocation and suspension, the published Bitstring Status Lists, and verifying here.

Changing a credential's status locks its row, records the reason and appends the change to
the ledger in the same write transaction; the status list credential is built from the
credentials table (set-based) and signed each time it is asked for.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.credentials import document as doc
from soai.credentials import proof as suite
from soai.credentials.models import IssuedCredential, StatusList
from soai.credentials.service import Issuer, iso, issuer_for
from soai.credentials.status import PURPOSES, encode_list
from soai.credentials.verify import Verified
from soai.credentials.verify import verify as verify_credential
from soai.db import utcnow
from soai.errors import InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.ledger import service as ledger

STATUS_LIST_VALIDITY = timedelta(days=7)


def _change_status(
    session: Session, *, credential_id: str, purpose: str, reason: str, undo: bool = False
) -> IssuedCredential:
    if not reason.strip():
        raise InvalidInput(N_("Give the reason (it is recorded in the ledger)."), field="reason")
    record = session.scalar(
        select(IssuedCredential)
        .where(IssuedCredential.id == credential_id)
        .with_for_update(of=IssuedCredential)  # not the batch row, shared with thousands
    )
    if record is None:
        raise NotFound(
            N_("No credential {credential_id}."), field="credential_id", credential_id=credential_id
        )
    now = utcnow()
    if purpose == "revocation":
        if record.revoked_at is not None:
            raise InvalidInput(
                N_("The credential {credential_id} is already revoked."),
                credential_id=credential_id,
            )
        record.revoked_at, record.revocation_reason = now, reason.strip()
        kind = "credential.revoked"
    elif record.revoked_at is not None:
        raise InvalidInput(
            N_("The credential {credential_id} is already revoked."), credential_id=credential_id
        )
    elif undo:
        if record.suspended_at is None:
            raise InvalidInput(
                N_("The credential {credential_id} is not suspended."), credential_id=credential_id
            )
        record.suspended_at, record.suspension_reason = None, None
        kind = "credential.reinstated"
    else:
        if record.suspended_at is not None:
            raise InvalidInput(
                N_("The credential {credential_id} is already suspended."),
                credential_id=credential_id,
            )
        record.suspended_at, record.suspension_reason = now, reason.strip()
        kind = "credential.suspended"
    ledger.append(
        session,
        kind=kind,
        data={
            "credential": credential_id,
            "reason": reason.strip(),
            "statusList": record.status_list_id,
            "statusIndex": record.status_index,
        },
    )
    return record


def revoke(session: Session, *, credential_id: str, reason: str) -> IssuedCredential:
    """Revoke for good (the status list shows it from now on; the ledger records why)."""
    return _change_status(session, credential_id=credential_id, purpose="revocation", reason=reason)


def suspend(session: Session, *, credential_id: str, reason: str) -> IssuedCredential:
    return _change_status(session, credential_id=credential_id, purpose="suspension", reason=reason)


def reinstate(session: Session, *, credential_id: str, reason: str) -> IssuedCredential:
    return _change_status(
        session, credential_id=credential_id, purpose="suspension", reason=reason, undo=True
    )


def status_list_ids(session: Session) -> list[int]:
    return list(session.scalars(select(StatusList.id).order_by(StatusList.id)))


def status_list_credential(
    session: Session, *, issuer: Issuer, list_id: int, purpose: str
) -> dict[str, Any]:
    """The signed ``BitstringStatusListCredential`` of one list and purpose, as of now."""
    if purpose not in PURPOSES:
        raise InvalidInput(
            N_("Unknown status purpose {purpose}; choose from: {purposes}."),
            field="purpose",
            purpose=purpose,
            purposes=", ".join(PURPOSES),
        )
    status_list = session.get(StatusList, list_id)
    if status_list is None:
        raise NotFound(N_("No status list {list_id}."), list_id=list_id)
    column = (
        IssuedCredential.revoked_at if purpose == "revocation" else IssuedCredential.suspended_at
    )
    flagged = session.scalars(
        select(IssuedCredential.status_index).where(
            IssuedCredential.status_list_id == list_id, column.is_not(None)
        )
    )
    url = doc.status_list_url(issuer.domain, list_id, purpose)
    now = utcnow()
    unsigned = {
        "@context": doc.STATUS_CONTEXTS,
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": iso(now),
        "validUntil": iso(now + STATUS_LIST_VALIDITY),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_list(flagged, status_list.size),
        },
    }
    return suite.sign(
        unsigned, sign_bytes=issuer.signer.sign, method=issuer.method, created=iso(now)
    )


STATUS_URL = re.compile(
    r"^https://(?P<domain>[^/]+)/credentials/status/(?P<list>\d+)/(?P<purpose>\w+)$"
)


def verify_here(session: Session, *, settings: Any, credential: dict[str, Any]) -> Verified:
    """Verify as any verifier would, with this instance's DID document and current status lists.

    Raises :class:`~soai.credentials.verify.CredentialVerificationError` with the reason.
    """
    from soai.crypto import service as crypto

    issuer = issuer_for(settings)
    did_document = crypto.did_document(settings, issuer.did)
    lists = []
    entries = credential.get("credentialStatus", [])
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict):
            continue
        match = STATUS_URL.match(str(entry.get("statusListCredential", "")))
        if match and match["domain"] == issuer.domain and match["purpose"] in PURPOSES:
            list_id = int(match["list"])
            if session.get(StatusList, list_id) is not None:
                lists.append(
                    status_list_credential(
                        session, issuer=issuer, list_id=list_id, purpose=match["purpose"]
                    )
                )
    return verify_credential(credential, did_document=did_document, status_lists=lists)
