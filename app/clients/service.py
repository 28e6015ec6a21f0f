"""Registration of app clients by administrators: create, list, revoke. Audited."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth.models import StaffUser
from app.clients.errors import ClientAlreadyRevoked, InvalidClientRegistration
from app.clients.models import AppClient, AuthorizationCode, ClientRefreshToken
from app.clients.schemas import ClientCreate
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.ids import new_id
from app.core.security import token_digest


async def create(session: AsyncSession, *, actor: Actor, data: ClientCreate) -> tuple[AppClient, str | None]:
    """Register a client; returns it and its secret (confidential clients; stored only hashed).

    Raises ``InvalidClientRegistration`` (422): a public client without redirect URIs or with a
    service account, a confidential client without an active service account or with redirect URIs.
    """
    service_user_id = None
    if data.type == "public":
        if not data.redirect_uris or data.service_user_email:
            raise InvalidClientRegistration(
                "A public application needs return addresses (redirect URIs) and has no service account.",
                detail_fr="Une application publique a des adresses de retour (URI de redirection) et pas de compte "
                "de service.",
            )
    else:
        if data.redirect_uris or not data.service_user_email:
            raise InvalidClientRegistration(
                "A confidential application needs its service account's e-mail and has no return addresses.",
                detail_fr="Une application confidentielle a l'e-mail de son compte de service et pas d'adresses de "
                "retour.",
            )
        email = data.service_user_email.strip().casefold()
        user = (await session.execute(select(StaffUser).where(StaffUser.email == email))).scalar_one_or_none()
        if user is None or not user.is_active:
            raise InvalidClientRegistration(
                "The service account's e-mail is not that of an active staff account.",
                detail_fr="L'e-mail du compte de service n'est pas celui d'un compte actif du personnel.",
            )
        service_user_id = user.id
    secret = secrets.token_urlsafe(32) if data.type == "confidential" else None
    client = AppClient(
        id=new_id(),
        client_id=secrets.token_urlsafe(18),
        name=data.name,
        client_type=data.type,
        secret_digest=token_digest(secret) if secret else None,
        redirect_uris=data.redirect_uris,
        scopes=list(data.scopes),
        rate_limit_per_minute=data.rate_limit_per_minute,
        service_user_id=service_user_id,
        created_by=actor.user_id,
        created_at=utcnow(),
    )
    session.add(client)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="app_client.create",
        entity_type="app_client",
        entity_id=client.id,
        details={
            "client_id": client.client_id,
            "type": client.client_type,
            "scopes": client.scopes,
            "redirect_uris": client.redirect_uris,
            "rate_limit_per_minute": client.rate_limit_per_minute,
        },
    )
    return client, secret


async def list_all(session: AsyncSession) -> list[AppClient]:
    """Every registered client, revoked ones included, newest first."""
    rows = await session.execute(select(AppClient).order_by(AppClient.created_at.desc(), AppClient.id))
    return list(rows.scalars().all())


async def revoke(session: AsyncSession, *, actor: Actor, client_id: str) -> AppClient:
    """Revoke a client: its tokens are refused from the next request on, its refresh tokens are
    revoked and it can obtain no new ones. 404 unknown; 409 ``client-already-revoked``."""
    client = (
        await session.execute(select(AppClient).where(AppClient.client_id == client_id).with_for_update())
    ).scalar_one_or_none()
    if client is None:
        raise NotFound("No such app client.", detail_fr="Application introuvable.")
    if client.revoked_at is not None:
        raise ClientAlreadyRevoked(
            "This app client is already revoked.", detail_fr="Cette application est déjà révoquée."
        )
    now = utcnow()
    client.revoked_at = now
    await session.execute(
        update(ClientRefreshToken)
        .where(ClientRefreshToken.client_pk == client.id, ClientRefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await audit.record(
        session,
        actor=actor,
        action="app_client.revoke",
        entity_type="app_client",
        entity_id=client.id,
        details={"client_id": client.client_id},
    )
    return client


async def end_pending_grants(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Expire the authorization codes ``user_id`` was given and has not exchanged yet: called when
    the user's password, role or active flag changes (:func:`app.auth.service.revoke_all_tokens`),
    so a code obtained before cannot give tokens after (it is then ``invalid_grant``).

    The refresh tokens of app clients need nothing here: they carry the user's ``token_version``
    and are refused once it moved on. A code being exchanged at the same moment holds its row
    (``FOR UPDATE``), so this waits for it; the tokens it issued carry the old ``token_version``
    and are refused as well."""
    now = utcnow()
    await session.execute(
        update(AuthorizationCode)
        .where(
            AuthorizationCode.user_id == user_id,
            AuthorizationCode.used_at.is_(None),
            AuthorizationCode.expires_at > now,
        )
        .values(expires_at=now)
    )
