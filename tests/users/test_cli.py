"""`hall users` from the shell."""

from __future__ import annotations

from hall.extensions import db
from hall.users.models import User
from hall.users.services import authenticate, get_user
from tests.builders import make_department, make_user

PASSWORD = "a long enough passphrase"


def test_create_admin_prompts_for_the_password_twice(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "root"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )

    assert result.exit_code == 0, result.output
    assert "admin root created (every department)" in result.output
    assert PASSWORD not in result.output  # the prompt hides it
    assert authenticate("root", PASSWORD).is_admin


def test_create_admin_refuses_mismatched_passwords(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "root"], input=f"{PASSWORD}\nsomething else\n" * 2
    )

    assert result.exit_code != 0
    assert db.session.query(User).count() == 0
    assert "do not match" in result.output


def test_add_operator_with_departments_and_password_from_stdin(app, runner):
    make_department("hrss")
    make_department("police")
    db.session.commit()

    result = runner.invoke(
        args=[
            "users",
            "add",
            "op",
            "--department",
            "hrss",
            "--department",
            "police",
            "--password-stdin",
        ],
        input=f"{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert get_user("op").department_ids == {"hrss", "police"}


def test_add_reports_a_bad_request_without_creating_anything(app, runner):
    result = runner.invoke(
        args=["users", "add", "op", "--department", "nowhere", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )

    assert result.exit_code == 2 and "no department 'nowhere'" in result.output


def test_users_list_shows_roles_and_departments(app, runner):
    make_user("op-hrss")
    make_user("root", role="admin")
    db.session.commit()

    output = runner.invoke(args=["users", "list"]).output
    lines = [line for line in output.splitlines() if not line.startswith("INFO")]

    assert lines[1].split()[:2] == ["root", "admin"]
    assert lines[2].split()[:2] == ["op-hrss", "operator"] and lines[2].endswith("hrss")
