"""Joint case management (공동사례관리): a case has one lead (주사례관리기관, with its 주사례관리자)
and any number of co-managing organisations (공동사례관리기관), each with a stated role — a coded
kind and a short text — so "who does what for this household" has one answer (LINKAGE.md 3;
the Goyang study's top obstacle is roles left unclear, P7). Pure vocabulary."""
from __future__ import annotations

from enum import StrEnum

MAX_ROLE_TEXT = 200  # a line, not a record: the case's own notes hold the detail


class CoManagerRole(StrEnum):
    SERVICE = "service"  # 서비스 제공 (the organisation's programme for the household)
    COUNSELLING = "counselling"  # 상담·정서 지원
    HEALTH = "health"  # 건강·의료 관리 (보건소, 정신건강복지센터)
    CARE = "care"  # 돌봄 (노인맞춤돌봄, 치매안심센터)
    RESOURCES = "resources"  # 물품·후원 자원 연계 (푸드뱅크, 복지관)
    MONITORING = "monitoring"  # 안부 확인·모니터링
    CO_VISIT = "co_visit"  # 동행 방문 (L8586–8598)
    OTHER = "other"

    @property
    def label_key(self) -> str:
        return f"comanager.role.{self.value}"
