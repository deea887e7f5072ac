"""Public JSON API of the ledger: checkpoint, entries with proofs, consistency, verifier key."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from soai.db import transaction
from soai.errors import NotFound
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.ledger import keys, service
from soai.ledger.schemas import CheckpointOut, ConsistencyProof, InclusionProof
from soai.web.state import app_state

router = APIRouter(prefix="/ledger", tags=["ledger"])
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]


@router.get("/checkpoint", name="api:ledger:checkpoint", dependencies=PUBLIC)
def latest(request: Request) -> CheckpointOut:
    """The latest signed checkpoint (size, root and the C2SP note)."""
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        record = keys.checkpoint(session, state.settings)
        return CheckpointOut.model_validate(record)


def proof_for(request: Request, position: int) -> InclusionProof:
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        return keys.proof(session, state.settings, position=position)


@router.get("/entries/{position}", name="api:ledger:entry", dependencies=PUBLIC)
def entry(request: Request, position: int) -> InclusionProof:
    """An entry with its inclusion proof (verify it with `soai ledger verify`)."""
    if position < 0:
        raise NotFound(N_("The ledger has no entry {position}."), position=position)
    return proof_for(request, position)


@router.get("/consistency", name="api:ledger:consistency", dependencies=PUBLIC)
def consistency(
    request: Request, old: int = Query(ge=0), new: int = Query(ge=0)
) -> ConsistencyProof:
    """Proof that the ledger at size ``new`` extends the ledger at size ``old``."""
    with transaction(app_state(request).sessions) as session:
        return service.consistency_proof(session, old=old, new=new)


@router.get("/vkey", name="api:ledger:vkey", dependencies=PUBLIC, response_class=PlainTextResponse)
def vkey(request: Request) -> str:
    """The log's note verifier keys, one per line, the active key first."""
    return "\n".join(keys.vkeys(app_state(request).settings)) + "\n"
