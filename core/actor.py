"""Who is acting: a typed actor that every channel builds the same way and the core checks.

A resident reporting over Telegram or the playground is an actor without a member id; staff
are members with a role and a scope (the 읍면동 whose records they may see). The scope is
computed here once from the directory, not in each channel.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from state.members import MemberInfo
from welfare.directory import Directory
from welfare.roles import PARTNER_ROLES, Role, role_of


class Channel(StrEnum):
    TELEGRAM = "telegram"
    PLAYGROUND = "playground"
    API = "api"
    OFFICE = "office"  # the web office
    SYSTEM = "system"  # the service itself (timers, retention)


@dataclass(frozen=True, slots=True)
class Actor:
    channel: Channel
    member: MemberInfo | None = None
    role: Role | None = None
    dongs: frozenset[str] = frozenset()  # 읍면동 codes whose records this actor may see
    chat_id: str | None = None  # the chat (or playground session) a reporter acts from
    private: bool = True  # False: a Telegram group chat, which never receives personal data

    @property
    def member_id(self) -> int | None:
        return self.member.id if self.member else None

    @property
    def dong_code(self) -> str | None:
        return self.member.dong_code if self.member else None

    @property
    def org_code(self) -> str | None:
        """The partner organisation (or 희망복지지원단) this member works for."""
        return self.member.org_code if self.member else None

    @property
    def label(self) -> str:
        """How the audit log names this actor: never a name or a chat id."""
        return f"member:{self.member.id}" if self.member else f"reporter:{self.channel.value}"

    def may_see(self, dong_code: str | None) -> bool:
        return dong_code is not None and dong_code in self.dongs


def scope_of(member: MemberInfo, role: Role | None, directory: Directory) -> frozenset[str]:
    """A 읍면동 team member sees their own 읍면동; 시군구 staff (the coordinator too) every 읍면동
    of their 시군구; partner staff no 읍면동's records at all (only referrals to their organisation,
    core/referrals.py); reporters see no one's records but their own (by chat, not by scope)."""
    if role is None or not role.is_staff or not member.active or role in PARTNER_ROLES:
        return frozenset()
    if role.dong_scoped:
        return frozenset({member.dong_code}) if member.dong_code else frozenset()
    return frozenset(d.code for d in directory.dongs if d.sigungu_code == member.sigungu_code)


def member_actor(member: MemberInfo | None, directory: Directory, channel: Channel, *, chat_id: str | None = None,
                 private: bool = True) -> Actor:
    """The actor for a (possibly unregistered) person; an inactive member acts as nobody."""
    if member is None or not member.active:
        return Actor(channel, chat_id=chat_id, private=private)
    role = role_of(member.role)
    return Actor(channel, member, role, scope_of(member, role, directory), chat_id, private)


SYSTEM = Actor(Channel.SYSTEM)
