"""Who is calling the back-office API: a bearer token of an active staff account, its role and
its scope (own 읍면동, or every 읍면동 of its 시군구). Checked on every request, so deactivating
an account ends its access at once."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from state import members

bearer = HTTPBearer(auto_error=False, description="a token made by `salpim admin token --member ID`")
ROLES_READING_RECORDS = ("caseworker", "team_leader", "sigungu_admin")
ROLES_ACTING = ("caseworker", "team_leader")


@dataclass(frozen=True)
class Staff:
    member: members.MemberInfo
    dongs: frozenset[str]  # the 읍면동 whose records this account may see

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def role(self) -> str:
        return self.member.role

    @property
    def actor(self) -> str:
        return f"member:{self.member.id}"

    def may_see(self, dong_code: str) -> bool:
        return dong_code in self.dongs


async def current_staff(request: Request,
                        credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Staff:
    if credentials is None or credentials.scheme.lower() != "bearer" or len(credentials.credentials) > 200:
        raise HTTPException(status_code=401, detail="a bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    services = request.app.state.services
    async with services.db.read() as conn:
        member = await members.member_by_token(conn, services.cipher, credentials.credentials)
    if member is None or member.role not in members.STAFF_ROLES:
        raise HTTPException(status_code=401, detail="unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    directory = services.runner.directory
    if member.role in ("caseworker", "team_leader"):
        dongs = frozenset({member.dong_code} if member.dong_code else ())
    else:
        dongs = frozenset(d.code for d in directory.dongs if d.sigungu_code == member.sigungu_code)
    return Staff(member, dongs)


def require(*roles: str):
    async def check(staff: Staff = Depends(current_staff)) -> Staff:
        if staff.role not in roles:
            raise HTTPException(status_code=403, detail=f"not allowed for the role {staff.role}")
        return staff
    return check
