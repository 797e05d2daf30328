"""`salpim admin` for partner organisations: loading the directory with clear errors, accounts
and invites of an organisation, the coordinator only for a 희망복지지원단."""
from __future__ import annotations

from salpim.cli import main
from salpim.settings import DEFAULT_ORGANISATIONS
from tests.test_cli import DIRECTORY, rows, store  # noqa: F401 - the fixture


def test_load_list_and_invite_partner_staff(store, tmp_path, capsys):  # noqa: F811
    assert main(["load-directory", str(DIRECTORY)]) == 0
    assert main(["admin", "load-organisations", str(DEFAULT_ORGANISATIONS)]) == 0
    assert "7 organisations loaded" in capsys.readouterr().out
    assert main(["admin", "invite", "--role", "partner_worker", "--org", "jn-mental"]) == 0
    assert "invite code:" in capsys.readouterr().out
    assert rows(store, "SELECT role, dong_code, org_code FROM invites") == [("partner_worker", None, "jn-mental")]
    assert main(["admin", "create-staff", "--role", "coordinator", "--org", "jn-hope"]) == 0
    assert rows(store, "SELECT role, sigungu_code, org_code FROM members") == [("coordinator", "11110", "jn-hope")]
    assert main(["admin", "organisations"]) == 0
    listing = capsys.readouterr().out
    assert "jn-hope\thope_support\t종로구 희망복지지원단\treply 3d" in listing and "1 members" in listing


def test_clear_refusals(store, tmp_path, capsys):  # noqa: F811
    assert main(["load-directory", str(DIRECTORY)]) == 0
    bad = tmp_path / "orgs.csv"
    bad.write_text("code,name,type,sigungu_code,area\nx,센터,clinic,11110,\n", encoding="utf-8")
    assert main(["admin", "load-organisations", str(bad)]) == 1
    assert "row 2: type: one of hope_support" in capsys.readouterr().err
    assert main(["admin", "load-organisations", str(DEFAULT_ORGANISATIONS)]) == 0
    assert main(["admin", "create-staff", "--role", "coordinator", "--org", "jn-mental"]) == 1
    assert "a coordinator works for the 희망복지지원단" in capsys.readouterr().err
    assert main(["admin", "invite", "--role", "partner_worker", "--dong", "1111065000"]) == 1
    assert "--org" in capsys.readouterr().err
    assert main(["admin", "invite", "--role", "partner_worker", "--org", "nowhere"]) == 1
    assert "unknown organisation code nowhere" in capsys.readouterr().err
