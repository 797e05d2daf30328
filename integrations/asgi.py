"""`uvicorn integrations.asgi:app` — the app built from the environment (SALPIM_*)."""
import sys

# httpx (python-telegram-bot imports it) loads its command line — rich, pygments, click: ≈ 4 MB
# and 80 modules in every worker — whenever those are installed, as the test tools install them.
# A worker never runs it and httpx does without it (its `main` then says to install httpx[cli]).
sys.modules.setdefault("httpx._main", None)

from integrations.app import create_app  # noqa: E402 - after the line above, which must come first

app = create_app()
