"""The web office (/office): server-rendered Korean pages for staff at a desk. Every action is a
call of the application core (core/); these modules only read the form, build the actor from
the session and render. No script at all: plain forms and links work with the keyboard and
with the network cut off from the internet (every asset is packaged)."""
from __future__ import annotations

from fastapi import APIRouter

from integrations.office.sign_in import install
from salpim.settings import Settings

__all__ = ["install", "router"]


def router(settings: Settings) -> APIRouter:
    from integrations.office import (
        audit_pages, case_pages, inbox_pages, leader_pages, leaflet_pages, linkage_pages, overview_pages, print_pages,
        referral_pages, resource_pages, sign_in,
    )
    office = APIRouter(include_in_schema=False)
    for module in (sign_in, inbox_pages, case_pages, leader_pages, audit_pages, leaflet_pages, referral_pages,
                   overview_pages, print_pages, resource_pages, linkage_pages):
        office.include_router(module.router)
    return office
