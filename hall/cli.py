"""The `hall` command: run, worker, demo, import, sync, index, tokens, health, db.

The same commands work as `flask --app wsgi <command>`; `hall` only spares the --app.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext

from hall.extensions import db

if TYPE_CHECKING:
    from hall.reports.health import HealthReport


def register_commands(app: Flask) -> None:
    """Attach the hall commands to the app's CLI."""
    for command in (
        run_command,
        worker_command,
        demo_command,
        import_command,
        sync_command,
        index_group,
        connectors_group,
        runs_group,
        tokens_group,
        health_group,
        users_group,
        filings_group,
    ):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from hall import create_app

    return create_app()


main = FlaskGroup(
    name="hall",
    help="Service Hall: many departments' public accounts, one search.",
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
)
main.add_command(shell_command)
main.add_command(routes_command)


def upgrade_database() -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Load departments, accounts, connectors and halls from a YAML file."""
    from hall.importer import ImportFileError, import_file

    upgrade_database()
    try:
        summary = import_file(path)
    except ImportFileError as exc:
        click.echo(f"{exc.source}: nothing was imported:", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(2) from None
    if not summary.changed:
        click.echo(f"{path}: already up to date, nothing changed")
        return
    for bucket, counts in (("created", summary.created), ("updated", summary.updated)):
        if counts:
            click.echo(
                f"{bucket}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
            )


@click.command("sync")
@click.argument("connector_ids", nargs=-1)
@with_appcontext
def sync_command(connector_ids: tuple[str, ...]) -> None:
    """Run every enabled connector (or the named ones) once, then index the changes."""
    from hall.sync.models import ConnectorInstance
    from hall.sync.scheduler import sync_connectors

    upgrade_database()
    unknown = [c for c in connector_ids if db.session.get(ConnectorInstance, c) is None]
    if unknown:
        raise click.UsageError("unknown connector: " + ", ".join(unknown))
    runs = sync_connectors(list(connector_ids) or None, on_run=_print_run)
    failed = sum(1 for run in runs if run.status == "failed")
    click.echo(f"{len(runs)} connectors synced, {failed} failed; index updated")
    if failed:
        raise SystemExit(1)


def _print_run(instance, run) -> None:
    if run is None:
        click.secho(f"{instance.id:<28} skipped   another worker is running it", fg="yellow")
        return
    line = (
        f"{instance.id:<28} {run.status:<9} fetched {run.fetched:>4}  added {run.added:>4}  "
        f"updated {run.updated:>4}  unchanged {run.unchanged:>4}  failed {run.failed:>3}"
    )
    if run.error:
        line += f"  - {run.error}"
    click.secho(line, fg="red" if run.status == "failed" else None)


@click.group("connectors")
def connectors_group() -> None:
    """Look at connectors: types, schedules, last runs, leases."""


@connectors_group.command("list")
@with_appcontext
def connectors_list_command() -> None:
    """List every connector with its type, account and schedule."""
    from hall.sync.models import ConnectorInstance

    interval = current_app.config["SYNC_INTERVAL_SECONDS"]
    click.echo(f"{'connector':<28} {'type':<12} {'account':<24} {'every':>8}  enabled")
    for c in db.session.scalars(db.select(ConnectorInstance).order_by(ConnectorInstance.id)):
        every = _duration(c.interval_seconds or interval)
        click.echo(
            f"{c.id:<28} {c.type:<12} {c.account_id:<24} {every:>8}  {'yes' if c.enabled else 'no'}"
        )


@connectors_group.command("status")
@click.argument("connector_ids", nargs=-1)
@with_appcontext
def connectors_status_command(connector_ids: tuple[str, ...]) -> None:
    """Show last run, next run, failures in a row and lease holder of each connector."""
    from hall.sync.models import ConnectorInstance, SyncRun

    query = db.select(ConnectorInstance).order_by(ConnectorInstance.id)
    if connector_ids:
        query = query.where(ConnectorInstance.id.in_(connector_ids))
    click.echo(
        f"{'connector':<28} {'last run':<10} {'finished (UTC)':<17} {'next run (UTC)':<17} "
        f"{'fails':>5}  lease"
    )
    for c in db.session.scalars(query):
        last = db.session.scalars(
            db.select(SyncRun)
            .where(SyncRun.connector_id == c.id)
            .order_by(SyncRun.id.desc())
            .limit(1)
        ).first()
        line = (
            f"{c.id:<28} {(last.status if last else '-'):<10} {_when(last and last.finished_at):<17} "
            f"{_when(c.next_run_at):<17} {c.consecutive_failures:>5}  {c.lease_owner or '-'}"
        )
        if last and last.error:
            line += f"\n    {last.error}"
        click.secho(line, fg="red" if c.consecutive_failures else None)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@click.group("runs")
def runs_group() -> None:
    """Act on sync runs."""


@runs_group.command("show")
@click.argument("run_id", type=int)
@click.option("--all", "show_all", is_flag=True, help="Also list unchanged items.")
@with_appcontext
def runs_show_command(run_id: int, show_all: bool) -> None:
    """Show a run's counts and what it did to each item, with guide changes."""
    from hall.sync.models import SyncItemOutcome, SyncRun

    run = db.session.get(SyncRun, run_id)
    if run is None:
        raise click.UsageError(f"no run {run_id}")
    click.echo(
        f"run {run.id} of {run.connector_id}: {run.status}, {_when(run.started_at)} → "
        f"{_when(run.finished_at)} by {run.worker or '-'}"
    )
    click.echo(
        f"fetched {run.fetched}, added {run.added}, updated {run.updated}, unchanged "
        f"{run.unchanged}, tombstoned {run.tombstoned}, failed {run.failed}"
    )
    if run.error:
        click.echo(f"error: {run.error}")
    if run.needs_review:
        click.secho(
            f"needs review: would have retired {', '.join(run.would_tombstone)}", fg="yellow"
        )
    query = db.select(SyncItemOutcome).where(SyncItemOutcome.sync_run_id == run_id)
    if not show_all:
        query = query.where(SyncItemOutcome.outcome != "unchanged")
    for outcome in db.session.scalars(query.order_by(SyncItemOutcome.id)):
        line = f"  {outcome.outcome:<10} {outcome.external_id or '-'}"
        if outcome.reason:
            line += f"  ({outcome.reason})"
        click.echo(line)
        for name, change in (outcome.guide_diff or {}).items():
            click.echo(f"      {name}: {change['old']!r} → {change['new']!r}")


@runs_group.command("cancel")
@click.argument("run_id", type=int)
@with_appcontext
def runs_cancel_command(run_id: int) -> None:
    """Ask a running sync to stop at its next step; it then changes nothing."""
    from hall.sync.leases import request_cancel

    if not request_cancel(run_id):
        raise click.UsageError(f"run {run_id} is not running")
    click.echo(f"run {run_id} will stop at its next step")


@click.group("index")
def index_group() -> None:
    """Maintain the search index."""


@index_group.command("rebuild")
@with_appcontext
def index_rebuild_command() -> None:
    """Build a fresh index beside the live one from the database and swap it in."""
    from hall.search.indexer import rebuild

    upgrade_database()
    bar = click.progressbar(length=1, label="indexing", show_pos=True)

    def progress(done: int, total: int) -> None:
        bar.length = max(total, 1)
        bar.update(done - bar.pos)

    with bar:
        count = rebuild(current_app.config["INDEX_PATH"], progress=progress)
    click.echo(f"index rebuilt with {count} items and swapped in")


@index_group.command("update")
@with_appcontext
def index_update_command() -> None:
    """Apply pending changes from the change log to the index."""
    from hall.search.indexer import apply_changes

    applied = apply_changes(
        current_app.config["INDEX_PATH"], batch_size=current_app.config["INDEX_BATCH_SIZE"]
    )
    click.echo(f"{applied} changes applied")


@click.group("tokens")
def tokens_group() -> None:
    """Manage accounts' API tokens for pushing items."""


@tokens_group.command("create")
@click.argument("account_id")
@click.option("--name", required=True, help="What uses the token, to tell it apart later.")
@with_appcontext
def tokens_create_command(account_id: str, name: str) -> None:
    """Create an API token for an account and print it, this once."""
    from hall.ingest.services import IngestError, create_token

    upgrade_database()
    try:
        token, plaintext = create_token(account_id, name)
    except IngestError as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    click.echo(f"token {token.id} ({token.name!r}) for account {account_id}:")
    click.echo(plaintext)
    click.secho(
        "Copy it now: it is not stored and will not be shown again. "
        f"Send it as 'Authorization: Bearer <token>'; revoke it with 'hall tokens revoke {token.id}'.",
        fg="yellow",
        err=True,
    )


@tokens_group.command("list")
@click.argument("account_id")
@with_appcontext
def tokens_list_command(account_id: str) -> None:
    """List an account's API tokens (prefixes only; tokens are never shown again)."""
    from hall.ingest.services import IngestError, list_tokens

    upgrade_database()
    try:
        tokens = list_tokens(account_id)
    except IngestError as exc:
        raise click.UsageError(str(exc)) from None
    if not tokens:
        click.echo(f"account {account_id} has no API tokens")
        return
    click.echo(f"{'id':>5}  {'prefix':<12} {'name':<24} {'created':<17} {'last used':<17} revoked")
    for token in tokens:
        click.echo(
            f"{token.id:>5}  {token.prefix + '…':<12} {token.name[:24]:<24} "
            f"{_when(token.created_at):<17} {_when(token.last_used_at):<17} "
            f"{_when(token.revoked_at)}"
        )


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def tokens_revoke_command(token_id: int) -> None:
    """Revoke an API token: requests with it are refused from now on."""
    from hall.ingest.services import IngestError, revoke_token

    upgrade_database()
    try:
        token = revoke_token(token_id)
    except IngestError as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    click.echo(
        f"token {token.id} ({token.prefix}…, {token.name!r}) of account {token.account_id} "
        f"revoked at {_when(token.revoked_at)}"
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") + "Z" if moment is not None else "-"


@click.group("health")
def health_group() -> None:
    """Report account health: last item, status, interaction channel, sync failures."""


def _health_scope(department_id: str | None, hall_id: str | None) -> HealthReport:
    """Return the health report for a department, a hall, or every account."""
    from hall.halls.services import DepartmentNotFoundError, HallNotFoundError
    from hall.reports.health import all_accounts_report, department_report, hall_report

    if department_id and hall_id:
        raise click.UsageError("give --department or --hall, not both")
    try:
        if department_id:
            return department_report(department_id)
        if hall_id:
            return hall_report(hall_id)
    except DepartmentNotFoundError:
        raise click.UsageError(f"no department {department_id}") from None
    except HallNotFoundError:
        raise click.UsageError(f"no hall {hall_id}") from None
    return all_accounts_report()


def _scope_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the --department and --hall options that choose a report's accounts."""
    command = click.option("--hall", "hall_id", metavar="ID", help="Only this hall's accounts.")(
        command
    )
    return click.option(
        "--department", "department_id", metavar="ID", help="Only this department."
    )(command)


@health_group.command("report")
@_scope_options
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report to this CSV file (UTF-8 with BOM) instead of printing it.",
)
@with_appcontext
def health_report_command(
    department_id: str | None, hall_id: str | None, csv_path: Path | None
) -> None:
    """Print each account's health and the counts per status, or write them as CSV."""
    from hall.reports.export import write_health_csv

    report = _health_scope(department_id, hall_id)
    if csv_path is not None:
        with csv_path.open("w", encoding="utf-8", newline="") as stream:
            write_health_csv(report.rows, stream)
        click.echo(f"{len(report.rows)} accounts written to {csv_path}")
        return
    click.echo(f"{report.title}: {len(report.rows)} accounts, {_when(report.generated_at)}")
    click.echo("  ".join(f"{status} {count}" for status, count in report.summary.items()))
    click.echo(
        f"{'account':<24} {'status':<9} {'last item':<11} {'days':>5} {'30d':>4} "
        f"{'channel':<9} {'fails':>5}  department / account name"
    )
    for row in report.rows:
        last = row.last_item_at.strftime("%Y-%m-%d") if row.last_item_at else "-"
        days = "-" if row.days_since_last_item is None else str(row.days_since_last_item)
        # Names are CJK (two columns wide in a terminal), so they go last, unpadded.
        line = (
            f"{row.account_id:<24} {row.status:<9} {last:<11} {days:>5} "
            f"{row.items_last_30_days:>4} {row.channel_state:<9} {row.consecutive_failures:>5}  "
            f"{row.department_name} / {row.account_name}"
        )
        if row.channel_state == "fails":
            line += f"  (channel: {row.channel_detail})"
        click.secho(line, fg="red" if row.problems else None)


@health_group.command("snapshot")
@with_appcontext
def health_snapshot_command() -> None:
    """Store today's health of every account (what the worker does daily)."""
    from hall.reports.health import record_daily_snapshot

    click.echo(f"health of {record_daily_snapshot()} accounts recorded")


@health_group.command("check-channels")
@with_appcontext
def health_check_channels_command() -> None:
    """Request each approved account's interaction channel address; store whether it works."""
    from hall.reports.channels import check_channels

    click.echo(f"interaction channels: {check_channels()}")


@health_group.command("check")
@_scope_options
@with_appcontext
def health_check_command(department_id: str | None, hall_id: str | None) -> None:
    """List accounts that are inactive, dormant, without a working channel or failing to sync.

    Meant for a daily job; it exits 0 when it ran, whatever it found, so the job's
    failure means the check itself broke.
    """
    report = _health_scope(department_id, hall_id)
    flagged = [row for row in report.rows if row.problems]
    for row in flagged:
        click.echo(f"{row.account_id} ({row.department_name} / {row.account_name})")
        for problem in row.problems:
            click.echo(f"    {problem}")
    click.echo(f"{len(flagged)} of {len(report.rows)} accounts need attention")


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run periodic sync and indexing in the foreground (no web), logging each run."""
    import logging

    from hall.sync.scheduler import run_blocking

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per pass is noise
    upgrade_database()
    run_blocking(current_app._get_current_object())


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn web workers")
@with_appcontext
def run_command(host: str, port: int, workers: int) -> None:
    """Serve the web (gunicorn) with periodic sync and indexing, on one machine."""
    app = current_app._get_current_object()
    upgrade_database()
    _serve(app, host, port, workers)


def _serve(
    app: Flask, host: str, port: int, workers: int, env: dict[str, str] | None = None
) -> None:
    """Run gunicorn in a child process while this process syncs and indexes."""
    from hall.sync.scheduler import index_changes, start_background

    index_changes(app)
    scheduler, _ = start_background(app)
    child_env = {
        **os.environ,
        **(env or {}),
        "HALL_INSTANCE_PATH": app.config["INSTANCE_PATH"],
        # config/gunicorn.conf.py: gunicorn stops if this process dies, even by SIGKILL.
        "SERVICE_HALL_RUN_PID": str(os.getpid()),
    }
    project_root = Path(__file__).resolve().parent.parent
    command = [
        sys.executable, "-m", "gunicorn",
        "--config", str(project_root / "config" / "gunicorn.conf.py"),
        "--bind", f"{host}:{port}", "--workers", str(workers),
        "--chdir", str(project_root),
        "wsgi:app",
    ]  # fmt: skip
    web = subprocess.Popen(command, env=child_env)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        # A service manager or `kill` signals this process only: pass it on, so that
        # gunicorn does not live on holding the port.
        nonlocal stopping
        stopping = True
        web.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    click.echo(f"Service Hall at http://{host}:{port}/  (Ctrl-C stops)")
    try:
        code = web.wait()
    except KeyboardInterrupt:
        stopping = True
        web.send_signal(signal.SIGTERM)
        try:
            code = web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
            code = web.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        scheduler.shutdown(wait=False)
    if code and not stopping:
        raise click.ClickException(
            f"the web server (gunicorn) stopped with exit code {code}; its log above says why"
        )


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Import and sync the demo, then exit.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Serve the demo county's sources on loopback, import, sync them, and run the hall."""
    from hall.demo import DemoServer, import_yaml
    from hall.importer import import_file
    from hall.sync.scheduler import sync_connectors

    app = current_app._get_current_object()
    allowlist = list(app.config["HTTP_ALLOWLIST"])
    if "127.0.0.1" not in allowlist:
        # The demo's sources live on loopback; allow exactly that, nothing else.
        app.config["HTTP_ALLOWLIST"] = allowlist + ["127.0.0.1"]
    upgrade_database()
    with DemoServer() as server:
        click.echo(f"demo sources served at {server.base_url}")
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as f:
            f.write(import_yaml(server.base_url))
        try:
            import_file(f.name)
        finally:
            os.unlink(f.name)
        runs = sync_connectors(on_run=_print_run)
        click.echo(f"{len(runs)} connectors synced")
        from hall.demo.life_events import DEMO_HALL_ID, create_life_events

        click.echo(f"{len(create_life_events(DEMO_HALL_ID))} life events created")
        db.session.commit()
        if no_serve:
            return
        _serve(
            app,
            host,
            port,
            workers=2,
            env={"HALL_HTTP_ALLOWLIST": ",".join(app.config["HTTP_ALLOWLIST"])},
        )


@click.group("users")
def users_group() -> None:
    """Manage the people who sign in: administrators and department operators."""


def _read_password(password_stdin: bool) -> str:
    """Read a new password from stdin (one line) or a hidden prompt typed twice."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _create_user(username: str, role: str, departments: tuple[str, ...], **options) -> None:
    from hall.users.services import UserError, create_user

    upgrade_database()
    password = _read_password(options.pop("password_stdin"))
    try:
        user = create_user(username, password, role=role, department_ids=departments, **options)
    except UserError as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    scope = ", ".join(sorted(user.department_ids)) or "every department"
    click.echo(f"{user.role} {user.username} created ({scope})")


@users_group.command("create-admin")
@click.argument("username")
@click.option("--display-name", help="Name shown in pages and the audit log.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@with_appcontext
def users_create_admin_command(
    username: str, display_name: str | None, password_stdin: bool
) -> None:
    """Create an administrator (prompts for the password twice, hidden)."""
    _create_user(username, "admin", (), display_name=display_name, password_stdin=password_stdin)


@users_group.command("add")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["operator", "admin"]), default="operator", show_default=True
)
@click.option(
    "--department", "departments", multiple=True, help="Department id (repeat for several)."
)
@click.option("--display-name", help="Name shown in pages and the audit log.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@with_appcontext
def users_add_command(
    username: str,
    role: str,
    departments: tuple[str, ...],
    display_name: str | None,
    password_stdin: bool,
) -> None:
    """Create a user; an operator acts for the departments given with --department."""
    _create_user(
        username, role, departments, display_name=display_name, password_stdin=password_stdin
    )


@users_group.command("list")
@with_appcontext
def users_list_command() -> None:
    """List users with their role, departments and last sign-in."""
    from hall.users.services import list_users

    upgrade_database()
    click.echo(f"{'username':<20} {'role':<9} {'active':<6} {'last sign-in':<17} departments")
    for user in list_users():
        click.echo(
            f"{user.username:<20} {user.role:<9} {'yes' if user.is_active else 'no':<6} "
            f"{_when(user.last_login_at):<17} {', '.join(sorted(user.department_ids)) or '*'}"
        )


def _change_user(change: Callable[..., object], username: str, **values: object):
    """Apply a users service as the command line (audited as no user); refuse with a reason."""
    from hall.users.services import UserError, get_user

    upgrade_database()
    try:
        user = change(None, get_user(username).id, **values)
    except UserError as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    return user


@users_group.command("deactivate")
@click.argument("username")
@with_appcontext
def users_deactivate_command(username: str) -> None:
    """Stop a user signing in and end their open sessions."""
    from hall.users.services import deactivate_user

    user = _change_user(deactivate_user, username)
    click.echo(f"{user.username} deactivated; their sessions ended")


@users_group.command("reactivate")
@click.argument("username")
@with_appcontext
def users_reactivate_command(username: str) -> None:
    """Let a deactivated user sign in again."""
    from hall.users.services import reactivate_user

    user = _change_user(reactivate_user, username)
    click.echo(f"{user.username} reactivated")


@users_group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@with_appcontext
def users_set_password_command(username: str, password_stdin: bool) -> None:
    """Give a user a new password (prompted twice, hidden) and end their open sessions."""
    from hall.users.services import reset_password

    password = _read_password(password_stdin)
    user = _change_user(reset_password, username, new_password=password)
    click.echo(f"password of {user.username} set; their sessions ended")


@click.group("filings")
def filings_group() -> None:
    """Review account filings (备案): list, approve, reject; suspend, reinstate, close accounts."""


def _acting_admin(username: str):
    """Return the named user; the services check that it is an administrator."""
    from hall.users.services import UserError, get_user

    try:
        return get_user(username)
    except UserError as exc:
        raise click.UsageError(str(exc)) from None


@filings_group.command("list")
@click.option("--status", type=click.Choice(["pending", "approved", "rejected"]))
@with_appcontext
def filings_list_command(status: str | None) -> None:
    """List filing requests, oldest first."""
    from hall.directory.services import filing_requests

    upgrade_database()
    click.echo(f"{'id':>5}  {'kind':<6} {'status':<8} {'submitted':<17} {'account':<28} name")
    for request in filing_requests(status=status):
        account = request.account
        name = request.payload.get("name") or (account.name if account else "-")
        click.echo(
            f"{request.id:>5}  {request.kind:<6} {request.status:<8} "
            f"{_when(request.submitted_at):<17} {request.account_id or '-':<28} {name}"
        )


@filings_group.command("approve")
@click.argument("request_id", type=int)
@click.option("--as", "username", required=True, help="The administrator deciding.")
@click.option("--allow-second", is_flag=True, help="Allow a second account on the platform.")
@click.option("--reason", help="Why a second account is allowed (with --allow-second).")
@with_appcontext
def filings_approve_command(
    request_id: int, username: str, allow_second: bool, reason: str | None
) -> None:
    """Approve a pending filing request as an administrator."""
    from hall.directory.services import FilingError, approve_filing
    from hall.users.services import PermissionDeniedError

    upgrade_database()
    try:
        request = approve_filing(
            _acting_admin(username), request_id, allow_second=allow_second, override_reason=reason
        )
    except (FilingError, PermissionDeniedError) as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    number = request.account.filing_number
    click.echo(f"request {request.id} approved: account {request.account_id}, filing {number}")


@filings_group.command("reject")
@click.argument("request_id", type=int)
@click.option("--as", "username", required=True, help="The administrator deciding.")
@click.option("--reason", required=True, help="Why the filing is rejected (shown to the unit).")
@with_appcontext
def filings_reject_command(request_id: int, username: str, reason: str) -> None:
    """Reject a pending filing request, with the reason, as an administrator."""
    from hall.directory.services import FilingError, reject_filing
    from hall.users.services import PermissionDeniedError

    upgrade_database()
    try:
        request = reject_filing(_acting_admin(username), request_id, reason)
    except (FilingError, PermissionDeniedError) as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    click.echo(f"request {request.id} rejected: account {request.account_id}")


def _account_action(change: Callable[..., object], username: str, *args, **values):
    """Apply a filing service as the named administrator; refuse with a reason."""
    from hall.directory.services import FilingError
    from hall.users.services import PermissionDeniedError

    upgrade_database()
    try:
        result = change(_acting_admin(username), *args, **values)
    except (FilingError, PermissionDeniedError) as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    return result


@filings_group.command("suspend")
@click.argument("account_id")
@click.option("--as", "username", required=True, help="The administrator deciding.")
@click.option("--reason", required=True, help="Why the account is suspended.")
@with_appcontext
def filings_suspend_command(account_id: str, username: str, reason: str) -> None:
    """Suspend an approved account: its items leave every hall at once."""
    from hall.directory.services import suspend_account

    account = _account_action(suspend_account, username, account_id, reason)
    click.echo(f"account {account.id} suspended")


@filings_group.command("reinstate")
@click.argument("account_id")
@click.option("--as", "username", required=True, help="The administrator deciding.")
@with_appcontext
def filings_reinstate_command(account_id: str, username: str) -> None:
    """Reinstate a suspended account: its items are back in the halls at once."""
    from hall.directory.services import reinstate_account

    account = _account_action(reinstate_account, username, account_id)
    click.echo(f"account {account.id} reinstated")


@filings_group.command("close")
@click.argument("account_id")
@click.option("--as", "username", required=True, help="The administrator closing it.")
@click.option("--notice", required=True, help="The public closure notice.")
@click.option("--successor", help="The id of the account that takes over.")
@with_appcontext
def filings_close_command(
    account_id: str, username: str, notice: str, successor: str | None
) -> None:
    """Close (注销) an account with a public notice naming its successor, if any."""
    from hall.directory.services import close_account

    request = _account_action(
        close_account, username, account_id, notice=notice, successor_account_id=successor
    )
    click.echo(f"account {request.account_id} closed; its notice is public")
