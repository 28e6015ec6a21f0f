"""``/api/v1/clients``: app clients registered by administrators."""

from __future__ import annotations

from fastapi import Response

from app.auth.deps import AdminActor
from app.clients import service
from app.clients.models import AppClient
from app.clients.schemas import ClientCreate, ClientCreated, ClientOut
from app.core.deps import SessionDep
from app.core.idempotency import IdempotencyDep, not_keyed
from app.core.routing import api_router

router = api_router(prefix="/api/v1/clients", tags=["app clients"])


def _out(client: AppClient) -> ClientOut:
    return ClientOut(
        id=client.id,
        client_id=client.client_id,
        name=client.name,
        type=client.client_type,
        redirect_uris=client.redirect_uris,
        scopes=client.scopes,
        rate_limit_per_minute=client.rate_limit_per_minute,
        service_user_id=client.service_user_id,
        created_at=client.created_at,
        revoked_at=client.revoked_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=ClientCreated,
    openapi_extra=not_keyed(
        "The answer holds the client secret, shown once and stored only hashed: never kept to replay."
    ),
)
async def create_client(
    body: ClientCreate, session: SessionDep, actor: AdminActor, response: Response
) -> ClientCreated:
    """Register an app client; ``client_secret`` (confidential clients) is shown in this answer only.
    422 ``invalid-client-registration`` / ``validation-failed`` (a redirect URI RFC 8252 refuses)."""
    client, secret = await service.create(session, actor=actor, data=body)
    response.headers["Location"] = f"/api/v1/clients/{client.client_id}"
    return ClientCreated(**_out(client).model_dump(), client_secret=secret)


@router.get("", response_model=list[ClientOut])
async def list_clients(session: SessionDep, actor: AdminActor) -> list[ClientOut]:
    """Every app client, revoked ones included, newest first."""
    return [_out(c) for c in await service.list_all(session)]


@router.post("/{client_id}/revoke", response_model=ClientOut)
async def revoke_client(client_id: str, session: SessionDep, actor: AdminActor, idem: IdempotencyDep) -> Response:
    """Revoke an app client: every token it holds stops working at once. 404; 409 if already revoked.
    Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    client = await service.revoke(session, actor=actor, client_id=client_id)
    return await idem.respond(200, _out(client).model_dump(mode="json"))
