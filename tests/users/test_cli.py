"""`hall users` from the shell."""

from __future__ import annotations

from hall.audit.services import entries_for
from hall.extensions import db
from hall.users.models import User
from hall.users.services import authenticate, get_user, load_user
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


def _audited(username: str) -> tuple[str, str | None]:
    entry = entries_for(get_user(username))[-1]
    return entry.action, entry.username


def test_deactivate_and_reactivate_a_user_as_the_command_line(app, runner):
    make_user("op-hrss")
    make_user("root", role="admin")
    db.session.commit()

    result = runner.invoke(args=["users", "deactivate", "OP-HRSS"])

    assert result.exit_code == 0, result.output
    assert "op-hrss deactivated; their sessions ended" in result.output
    assert not get_user("op-hrss").is_active
    assert _audited("op-hrss") == ("user.deactivate", None)
    result = runner.invoke(args=["users", "reactivate", "op-hrss"])
    assert result.exit_code == 0 and get_user("op-hrss").is_active
    assert _audited("op-hrss") == ("user.reactivate", None)


def test_deactivate_refuses_the_last_active_admin_and_unknown_users(app, runner):
    make_user("root", role="admin")
    db.session.commit()

    last = runner.invoke(args=["users", "deactivate", "root"])
    unknown = runner.invoke(args=["users", "reactivate", "nobody"])

    assert last.exit_code == 2 and "last active administrator" in last.output
    assert get_user("root").is_active
    assert unknown.exit_code == 2 and "no user 'nobody'" in unknown.output


def test_set_password_prompts_twice_hidden_and_ends_sessions(app, runner):
    user = make_user("op-hrss")
    db.session.commit()
    session = user.get_id()

    result = runner.invoke(
        args=["users", "set-password", "op-hrss"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )

    assert result.exit_code == 0, result.output
    assert "password of op-hrss set; their sessions ended" in result.output
    assert PASSWORD not in result.output
    assert authenticate("op-hrss", PASSWORD).username == "op-hrss"
    assert load_user(session) is None
    assert _audited("op-hrss") == ("user.password_reset", None)


def test_set_password_refuses_a_short_password_and_keeps_the_old_one(app, runner):
    make_user("op-hrss")
    db.session.commit()

    result = runner.invoke(
        args=["users", "set-password", "op-hrss", "--password-stdin"], input="short\n"
    )

    assert result.exit_code == 2 and "at least 10 characters" in result.output
    assert authenticate("op-hrss", "correct horse battery").username == "op-hrss"
