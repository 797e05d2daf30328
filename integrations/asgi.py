"""`uvicorn integrations.asgi:app` — the app built from the environment (SALPIM_*)."""
from integrations.app import create_app

app = create_app()
