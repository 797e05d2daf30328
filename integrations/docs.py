"""/docs: Swagger UI from packaged assets (the `swagger-ui-bundle` package, Apache-2.0), never a
CDN: the app's own CSP (default-src 'self') blocks other origins, and a closed office network
cannot reach them. The start-up script is a file too, since the CSP forbids inline scripts."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

SWAGGER = Path(swagger_ui_path)
OWN = Path(__file__).resolve().parent / "static"
ASSETS = {"swagger-ui-bundle.js": SWAGGER, "swagger-ui.css": SWAGGER, "favicon-32x32.png": SWAGGER,
          "docs_init.js": OWN}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Salpim back office API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/docs_init.js"></script></body></html>
"""


def router() -> APIRouter:
    api = APIRouter(include_in_schema=False)

    @api.get("/docs")
    async def docs() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @api.get("/docs/static/{name}")
    async def asset(name: str) -> FileResponse:
        folder = ASSETS.get(name)
        if folder is None or not (folder / name).exists():
            raise HTTPException(status_code=404)
        return FileResponse(folder / name, headers={"Cache-Control": "public, max-age=86400"})

    return api
