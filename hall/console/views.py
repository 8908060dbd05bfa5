"""The department console: an operator's accounts, filings, connectors, tokens and health.

Views parse the form, call one domain function, commit, render. Every page that names a
department, account, connector, run or token checks the signed-in user may act for its
department (PermissionDeniedError → 403); admins may see every department.
The URL table is at the bottom, read top to bottom.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response

from connectors.base import ConfigError, Connector
from hall.console import forms
from hall.directory import services as filing
from hall.directory.models import PLATFORMS, Account, AccountToken, Department
from hall.directory.services import FilingError
from hall.extensions import db
from hall.i18n import current_language, translate
from hall.ingest import services as ingest
from hall.reports import charts, export, health
from hall.sync import services as sync
from hall.sync.models import ConnectorInstance
from hall.sync.services import ConnectorBusyError, ConnectorNotFoundError, NotPullableError
from hall.timestamps import utcnow
from hall.users.services import require_department
from hall.workdays import china_date, working_days_between

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every console page needs a signed-in user."""


@bp.errorhandler(ConnectorNotFoundError)
def _not_found(exc: ConnectorNotFoundError) -> tuple[Response | str, int] | HTTPException:
    """Answer an unknown connector, run or account as any unknown page is answered."""
    return current_app.handle_http_exception(NotFound())


# Accounts and filings -----------------------------------------------------------------


def index() -> str:
    """Show the user's departments, their accounts and the filings waiting for a decision."""
    pending: dict[str, list] = {}
    for filing_request in filing.list_filing_requests(current_user, status="pending"):
        pending.setdefault(filing_request.account_id, []).append(filing_request)
    return render_template("console/index.html", departments=_departments(), pending=pending)


def apply(department_id: str) -> str | Response:
    """Apply to file a new account of the department."""
    department = _department(department_id)
    form = forms.FilingForm(values={"platform": "website"})
    problem = None
    if request.method == "POST":
        form = forms.parse_apply_form(request.form)
        if form.ok:
            try:
                filing_request = filing.apply_for_account(
                    current_user,
                    department.id,
                    **{name: form.values[name] for name in forms.APPLY_FIELDS},
                    interaction_channels=forms.channels_of(request.form),
                )
            except FilingError as exc:
                db.session.rollback()
                problem = _field_or_problem(form, exc)
            else:
                db.session.commit()
                flash("Your application was filed; an administrator will decide on it.")
                return redirect(url_for(".account", account_id=filing_request.account_id))
    return render_template(
        "console/apply.html",
        department=department,
        form=form,
        problem=problem,
        platforms=PLATFORMS,
    )


def account(account_id: str) -> str:
    """Show an account: its filing and filing requests, its connectors with their last runs."""
    found = _account(account_id)
    return render_template(
        "console/account.html",
        account=found,
        filings=[
            (filing_request, filing.filing_timing(filing_request))
            for filing_request in filing.account_filing_requests(current_user, found.id)
        ],
        late_changes=filing.late_contact_changes(current_user, account_id=found.id),
        connectors=sync.account_connectors(current_user, found.id),
    )


def change(account_id: str) -> str | Response:
    """Change an account's filed data: contact data at once, a new name or address re-filed."""
    found = _account(account_id)
    form = forms.FilingForm(
        values={name: getattr(found, name) or "" for name in forms.CHANGE_FIELDS}
        | {
            "interaction_channels": "\n".join(found.interaction_channels or []),
            "effective_on": forms.today_in_china(),
        }
    )
    problem = None
    if request.method == "POST":
        form = forms.parse_change_form(request.form)
        if form.ok:
            changes = {name: form.values[name] or None for name in forms.CHANGE_FIELDS}
            changes["interaction_channels"] = forms.channels_of(request.form)
            try:
                refiled = filing.request_change(
                    current_user, found.id, changes, effective_on=form.effective_on
                )
            except FilingError as exc:
                db.session.rollback()
                problem = _field_or_problem(form, exc)
            else:
                db.session.commit()
                flash(
                    "The change was filed; the account keeps its filed data until it is approved."
                    if refiled
                    else "The contact data was changed."
                )
                late = _late_by(form.effective_on)
                if late:
                    flash(late)
                return redirect(url_for(".account", account_id=found.id))
    return render_template(
        "console/change.html",
        account=found,
        form=form,
        problem=problem,
        allowed_days=current_app.config["FILING_CHANGE_WORKING_DAYS"],
    )


def _late_by(effective_on: date | None) -> str | None:
    """Say so when a change is filed later than the rule allows, as it is filed."""
    if effective_on is None:
        return None
    allowed = current_app.config["FILING_CHANGE_WORKING_DAYS"]
    after = working_days_between(effective_on, china_date(utcnow()))
    if after <= allowed:
        return None
    # Filled and translated now: the page translates flashed message ids, not sentences.
    return translate(
        "This change was filed %(days)s working days after it took effect; the rule is "
        "%(allowed)s. It is shown as late to administrators.",
        days=after,
        allowed=allowed,
    )


def close(account_id: str) -> str | Response:
    """Close an account with a public notice naming its successor, if any."""
    found = _account(account_id)
    form = forms.FilingForm(values={"notice": "", "successor_account_id": ""})
    problem = None
    if request.method == "POST":
        form = forms.parse_close_form(request.form)
        if form.ok:
            try:
                filing.close_account(
                    current_user,
                    found.id,
                    notice=form.values["notice"],
                    successor_account_id=form.values["successor_account_id"] or None,
                )
            except FilingError as exc:
                db.session.rollback()
                problem = str(exc)
            else:
                db.session.commit()
                flash("The account was closed; its notice is public.")
                return redirect(url_for(".account", account_id=found.id))
    return render_template("console/close.html", account=found, form=form, problem=problem)


# Connectors -----------------------------------------------------------------------------


def new_connector(account_id: str) -> str | Response:
    """Pick a connector type, then fill its form; "Test connection" saves nothing."""
    found = _account(account_id)
    types = sync.configurable_types()
    type_name = request.values.get("type", "")
    if type_name not in types:
        return render_template("console/connector_types.html", account=found, types=types)
    cls = types[type_name]
    if request.method == "GET":
        return _connector_page(found, cls, type_name, None, forms.connector_form(cls))

    def save(config: dict[str, Any], interval: int | None, cron: str | None) -> str:
        instance = sync.create_connector(
            current_user,
            found.id,
            type=type_name,
            config=config,
            interval_seconds=interval,
            cron=cron,
        )
        return instance.id

    return _submit_connector(found, cls, type_name, None, save, "The connector was added.")


def edit_connector(account_id: str, connector_id: str) -> str | Response:
    """Change a connector; a secret left empty is kept, and never shown."""
    instance = sync.get_connector(current_user, account_id, connector_id)
    if instance.type in sync.NOT_CONFIGURABLE:
        abort(404)
    cls = sync.connector_class(instance.type)
    if request.method == "GET":
        fields = forms.connector_form(cls, stored=instance.config)
        return _connector_page(instance.account, cls, instance.type, instance, fields)

    def save(config: dict[str, Any], interval: int | None, cron: str | None) -> str:
        sync.update_connector(
            current_user,
            account_id,
            connector_id,
            config=config,
            interval_seconds=interval,
            cron=cron,
            enabled="enabled" in request.form,
        )
        return connector_id

    return _submit_connector(
        instance.account, cls, instance.type, instance, save, "The connector was saved."
    )


def connector(account_id: str, connector_id: str) -> str:
    """Show a connector, its schedule and its run history."""
    instance = sync.get_connector(current_user, account_id, connector_id)
    return render_template(
        "console/connector.html",
        account=instance.account,
        connector=instance,
        runs=sync.connector_runs(instance),
    )


def sync_now(account_id: str, connector_id: str) -> Response:
    """Run one connector now and show its run."""
    try:
        run = sync.sync_connector_now(
            current_user, account_id, connector_id, settings=current_app.config
        )
    except (ConnectorBusyError, NotPullableError) as exc:
        db.session.rollback()
        flash(str(exc))
        return redirect(url_for(".connector", account_id=account_id, connector_id=connector_id))
    return redirect(
        url_for(".run", account_id=account_id, connector_id=connector_id, run_id=run.id)
    )


def run(account_id: str, connector_id: str, run_id: int) -> str:
    """Show one run: counts, the error, and what it did to each item."""
    found, outcomes = sync.get_run(current_user, account_id, connector_id, run_id)
    return render_template(
        "console/run.html",
        account=found.connector.account,
        connector=found.connector,
        run=found,
        outcomes=outcomes,
    )


# API tokens -----------------------------------------------------------------------------


def tokens(account_id: str) -> str:
    """List the account's API tokens, revoked ones included."""
    found = _account(account_id)
    return render_template(
        "console/tokens.html", account=found, tokens=ingest.list_tokens(found.id), problem=None
    )


def create_token(account_id: str) -> tuple[str, int] | Response:
    """Create a token and show its plaintext this once."""
    found = _account(account_id)
    try:
        token, plaintext = ingest.create_token(found.id, request.form.get("name", ""))
    except ingest.TokenNameError as exc:
        db.session.rollback()
        page = render_template(
            "console/tokens.html",
            account=found,
            tokens=ingest.list_tokens(found.id),
            problem=str(exc),
        )
        return page, 422
    db.session.commit()
    response = Response(
        render_template(
            "console/token_created.html", account=found, token=token, plaintext=plaintext
        )
    )
    # The only page that ever holds the token: no cache, no back-button copy.
    response.headers["Cache-Control"] = "no-store"
    return response


def revoke_token(account_id: str, token_id: int) -> Response:
    """Revoke one of the account's tokens."""
    found = _account(account_id)
    token = db.session.get(AccountToken, token_id)
    if token is None or token.account_id != found.id:
        abort(404)
    ingest.revoke_token(token.id)
    db.session.commit()
    flash("The token was revoked.")
    return redirect(url_for(".tokens", account_id=found.id))


# Health ---------------------------------------------------------------------------------


def health_page() -> str:
    """Show the health of the user's departments' accounts, with a chart."""
    rows = _health_rows()
    chart = charts.status_bars(
        rows, title=str(translate("Account health")), language=current_language()
    )
    return render_template(
        "console/health.html",
        rows=rows,
        chart=chart,
        status_label=health.status_label,
        replies=health.reply_times([department.id for department in _departments()]),
    )


def health_csv() -> Response:
    """Download the health of the user's departments' accounts as CSV."""
    response = Response(export.health_csv_bytes(_health_rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="account-health.csv"'
    return response


# Helpers --------------------------------------------------------------------------------


def _submit_connector(
    found: Account,
    cls: type[Connector],
    type_name: str,
    instance: ConnectorInstance | None,
    save: Callable[[dict[str, Any], int | None, str | None], str],
    saved_message: str,
) -> str | Response:
    """Save a submitted connector form, or with "Test connection" only try it."""
    config, errors = forms.parse_connector_form(cls, request.form)
    interval, cron, schedule_errors = forms.parse_schedule(request.form)
    errors |= schedule_errors
    stored = instance.config if instance is not None else None
    test_result = None
    if not errors:
        try:
            if request.form.get("action") == "test":
                config = sync.keep_stored_secrets(cls, config, stored)
                test_result = sync.preview_connector(type_name, config, settings=current_app.config)
            else:
                connector_id = save(config, interval, cron)
                db.session.commit()
                flash(saved_message)
                return redirect(
                    url_for(".connector", account_id=found.id, connector_id=connector_id)
                )
        except ConfigError as exc:
            db.session.rollback()
            errors = exc.errors
    fields = forms.connector_form(cls, submitted=request.form, stored=stored, errors=errors)
    return _connector_page(found, cls, type_name, instance, fields, errors, test_result)


def _connector_page(
    found: Account,
    cls: type[Connector],
    type_name: str,
    instance: ConnectorInstance | None,
    fields: list[forms.FormField],
    errors: dict[str, str] | None = None,
    test_result: sync.Preview | None = None,
) -> str:
    # Errors of names the form has no input for (type, cron, interval, unknown fields).
    shown = {f.name for f in fields}
    other_errors = {name: msg for name, msg in (errors or {}).items() if name not in shown}
    return render_template(
        "console/connector_form.html",
        account=found,
        cls=cls,
        type_name=type_name,
        connector=instance,
        fields=fields,
        schedule=request.form if request.method == "POST" else None,
        other_errors=other_errors,
        test_result=test_result,
    )


def _field_or_problem(form: forms.FilingForm, exc: FilingError) -> str | None:
    """Show a refusal beside the input it is about; return it as the form's problem otherwise."""
    if exc.field in form.values:
        form.errors[exc.field] = str(exc)
        return None
    return str(exc)


def _departments() -> list[Department]:
    if current_user.is_admin:
        return list(db.session.scalars(select(Department).order_by(Department.id)))
    return list(current_user.departments)


def _department(department_id: str) -> Department:
    found = db.session.get(Department, department_id)
    if found is None:
        abort(404)
    require_department(current_user, found.id)
    return found


def _account(account_id: str) -> Account:
    found = db.session.get(Account, account_id)
    if found is None:
        abort(404)
    require_department(current_user, found.department_id)
    return found


def _health_rows() -> list[health.AccountHealth]:
    return [
        row for department in _departments() for row in health.department_report(department.id).rows
    ]


bp.add_url_rule("/", view_func=index)
bp.add_url_rule("/departments/<department_id>/apply", view_func=apply, methods=["GET", "POST"])
bp.add_url_rule("/accounts/<account_id>/", view_func=account)
bp.add_url_rule("/accounts/<account_id>/change", view_func=change, methods=["GET", "POST"])
bp.add_url_rule("/accounts/<account_id>/close", view_func=close, methods=["GET", "POST"])
bp.add_url_rule(
    "/accounts/<account_id>/connectors/new", view_func=new_connector, methods=["GET", "POST"]
)
bp.add_url_rule("/accounts/<account_id>/connectors/<connector_id>/", view_func=connector)
bp.add_url_rule(
    "/accounts/<account_id>/connectors/<connector_id>/edit",
    view_func=edit_connector,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/accounts/<account_id>/connectors/<connector_id>/sync", view_func=sync_now, methods=["POST"]
)
bp.add_url_rule("/accounts/<account_id>/connectors/<connector_id>/runs/<int:run_id>", view_func=run)
bp.add_url_rule("/accounts/<account_id>/tokens", view_func=tokens)
bp.add_url_rule("/accounts/<account_id>/tokens", view_func=create_token, methods=["POST"])
bp.add_url_rule(
    "/accounts/<account_id>/tokens/<int:token_id>/revoke", view_func=revoke_token, methods=["POST"]
)
bp.add_url_rule("/health", view_func=health_page)
bp.add_url_rule("/health.csv", view_func=health_csv)
