"""Who is calling the back-office API: a bearer token of an active staff account, as the core's
Actor (role and scope are computed by core/actor.py, as for every channel). Read on every
request, so deactivating an account ends its access at once. What each role may do is not
decided here but by the core's table (core/permissions.py)."""
from __future__ import annotations

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.actor import Actor, Channel, member_actor
from state import members

bearer = HTTPBearer(auto_error=False, description="a token made by `salpim admin token --member ID`")


async def current_actor(request: Request,
                        credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer" or len(credentials.credentials) > 200:
        raise HTTPException(status_code=401, detail="a bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    services = request.app.state.services
    async with services.db.read() as conn:
        member = await members.member_by_token(conn, services.cipher, credentials.credentials)
    actor = member_actor(member, services.runner.directory, Channel.API)
    if actor.role is None or not actor.role.is_staff:
        raise HTTPException(status_code=401, detail="unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return actor
