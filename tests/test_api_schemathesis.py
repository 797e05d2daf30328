"""schemathesis against the back office's own OpenAPI document, on a real server process: no
request shape makes it answer 5xx."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.test_kill_restart import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schemathesis")
    env = {**os.environ, "SALPIM_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'api.db'}",
           "SALPIM_SECRET_KEY": "schemathesis-key-at-least-32-bytes-long", "SALPIM_LOG_LEVEL": "WARNING",
           "SALPIM_AUDIT_ANCHOR_FILE": str(tmp / "anchors.jsonl")}
    env.pop("SALPIM_TELEGRAM_TOKEN", None)

    def cli(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "salpim", *args], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout
    cli("migrate")
    cli("load-directory", "welfare/data/directory_jongno.csv")
    staff = cli("admin", "create-staff", "--role", "team_leader", "--dong", "1111065000")
    member_id = staff.split()[2]
    token = cli("admin", "token", "--member", member_id).strip()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "salpim", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "server.log", "wb"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):  # up to a minute: start-up is slow on a loaded machine
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    yield url, token
    proc.kill()
    proc.wait()


def test_no_request_makes_the_back_office_fail(api_server):
    """Every operation of the OpenAPI document, with generated parameters and bodies."""
    from hypothesis import given
    url, token = api_server
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=int(os.environ.get("SALPIM_SCHEMA_EXAMPLES", "30")), deadline=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])
        no_server_error()
