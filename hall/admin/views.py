"""Administrator pages. Views parse the form, call one domain function, then redirect.

Only active administrators get in: a visitor who is not signed in is sent to the sign-in
page, anyone else gets 403. Every form carries a CSRF token (CSRFProtect guards the app).
The URL table is at the bottom, read top to bottom.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.routing import BuildError

from hall.admin import forms
from hall.audit.services import FILTERS as AUDIT_FILTERS
from hall.audit.services import audit_vocabulary, changes, search_entries
from hall.directory.models import SECTORS
from hall.directory.services import (
    FilingError,
    approve_filing,
    filing_timing,
    late_contact_changes,
    list_filing_requests,
    name_consistency_warnings,
    reinstate_account,
    reject_filing,
    suspend_account,
)
from hall.extensions import db, login_manager
from hall.halls import curation, layouts
from hall.halls.curation import CurationError
from hall.halls.export import export_hall_yaml
from hall.halls.layouts import LayoutError, LayoutNotFoundError
from hall.halls.services import get_hall, list_departments, list_halls
from hall.i18n import current_language
from hall.importer import ImportFileError
from hall.reports.charts import status_bars
from hall.reports.export import health_csv_bytes
from hall.reports.health import all_accounts_report, reply_times
from hall.users.models import User
from hall.users.services import (
    UserError,
    create_user,
    deactivate_user,
    list_users,
    reactivate_user,
    require_admin,
    reset_password,
)

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

# Refusals an administrator can fix by changing the form: shown on the page, not an error page.
FORM_ERRORS = (FilingError, UserError, CurationError, LayoutError, LayoutNotFoundError)


@bp.before_request
def admins_only() -> Response | None:
    """Send visitors to sign in; refuse (403) anyone who is not an active administrator."""
    if not current_user.is_authenticated:
        return redirect(_login_url())
    require_admin(_admin())
    return None


def index() -> str:
    """Show the administration home: what waits for a decision, and where to go."""
    pending = list_filing_requests(_admin(), status="pending")
    return render_template("admin/index.html", pending=pending, halls=list_halls())


def filings() -> str:
    """Show the filing requests waiting for a decision, oldest first, late changes flagged,
    and the contact changes of the last 90 days that were filed late."""
    pending = list_filing_requests(_admin(), status="pending")
    timings = {filing_request.id: filing_timing(filing_request) for filing_request in pending}
    return render_template(
        "admin/filings.html",
        requests=pending,
        timings=timings,
        late_changes=late_contact_changes(_admin()),
    )


def approve(request_id: int) -> Response:
    """Approve a filing request, with an optional one-per-platform override and reason."""
    return _act(
        lambda: approve_filing(
            _admin(),
            request_id,
            allow_second=forms.checkbox(request.form, "allow_second"),
            override_reason=forms.text(request.form, "override_reason"),
        ),
        f"Filing request {request_id} approved.",
        url_for(".filings"),
    )


def reject(request_id: int) -> Response:
    """Reject a filing request with a reason."""
    return _act(
        lambda: reject_filing(_admin(), request_id, request.form.get("reason", "")),
        f"Filing request {request_id} rejected.",
        url_for(".filings"),
    )


def departments() -> str:
    """Show every department with its accounts, each with suspend / reinstate."""
    found = list_departments()
    warnings = {d.id: name_consistency_warnings(d.id) for d in found}
    return render_template(
        "admin/departments.html", departments=found, sectors=SECTORS, warnings=warnings
    )


def suspend(account_id: str) -> Response:
    """Suspend an approved account, with a reason."""
    return _act(
        lambda: suspend_account(_admin(), account_id, request.form.get("reason", "")),
        f"Account {account_id} suspended.",
        url_for(".departments"),
    )


def reinstate(account_id: str) -> Response:
    """Reinstate a suspended account."""
    return _act(
        lambda: reinstate_account(_admin(), account_id),
        f"Account {account_id} reinstated.",
        url_for(".departments"),
    )


def users() -> str:
    """Show every user and the form that creates an operator."""
    return render_template("admin/users.html", users=list_users(), departments=list_departments())


def create_operator() -> Response:
    """Create a department operator."""
    return _act(
        lambda: create_user(
            request.form.get("username", ""),
            request.form.get("password", ""),
            role="operator",
            display_name=forms.text(request.form, "display_name"),
            department_ids=request.form.getlist("department_ids"),
            actor=_admin(),
        ),
        "Operator created.",
        url_for(".users"),
    )


def user_deactivate(user_id: int) -> Response:
    """Deactivate a user: they can no longer sign in, and their open sessions end."""
    return _act(
        lambda: deactivate_user(_admin(), user_id),
        "The user was deactivated; their sessions ended.",
        url_for(".users"),
    )


def user_reactivate(user_id: int) -> Response:
    """Let a deactivated user sign in again."""
    return _act(
        lambda: reactivate_user(_admin(), user_id), "The user was reactivated.", url_for(".users")
    )


def user_password(user_id: int) -> Response:
    """Give a user a new password; their open sessions end."""
    return _act(
        lambda: reset_password(
            _admin(), user_id, new_password=request.form.get("new_password", "")
        ),
        "The password was reset; the user's sessions ended.",
        url_for(".users"),
    )


def audit() -> str:
    """Show the audit log, newest first, filtered by actor, action and target; paged."""
    filters = {name: request.args.get(name, "").strip() for name in AUDIT_FILTERS}
    # type=int turns page=abc into the default: an odd page number shows the first page.
    found = search_entries(**filters, page=request.args.get("page", 1, type=int))
    actions, target_types = audit_vocabulary()
    return render_template(
        "admin/audit.html",
        found=found,
        filters={name: value for name, value in filters.items() if value},
        actions=actions,
        target_types=target_types,
        changes=changes,
    )


def halls() -> str:
    """Show every hall and the form that creates one."""
    return render_template("admin/halls.html", halls=list_halls())


def create_hall() -> Response:
    """Create an empty hall."""
    hall_id = request.form.get("id", "")
    return _act(
        lambda: curation.create_hall(
            _admin(),
            hall_id,
            title=request.form.get("title", ""),
            title_en=forms.text(request.form, "title_en"),
            region_code=forms.text(request.form, "region_code"),
            description=forms.text(request.form, "description"),
        ),
        "Hall created.",
        url_for(".halls"),
    )


def hall(hall_id: str) -> str:
    """Show a hall's members and the forms that add or remove accounts and departments."""
    found = get_hall(hall_id)
    return render_template(
        "admin/hall.html",
        hall=found,
        outside=curation.accounts_outside(found.id),
        departments=list_departments(),
    )


def add_accounts(hall_id: str) -> Response:
    """Add the chosen accounts to a hall."""
    return _act(
        lambda: curation.add_accounts(_admin(), hall_id, request.form.getlist("account_ids")),
        "Accounts added.",
        url_for(".hall", hall_id=hall_id),
    )


def remove_accounts(hall_id: str) -> Response:
    """Remove the chosen accounts from a hall."""
    return _act(
        lambda: curation.remove_accounts(_admin(), hall_id, request.form.getlist("account_ids")),
        "Accounts removed.",
        url_for(".hall", hall_id=hall_id),
    )


def add_department(hall_id: str) -> Response:
    """Add every account of a department to a hall."""
    return _act(
        lambda: curation.add_department(_admin(), hall_id, request.form.get("department_id", "")),
        "Department added.",
        url_for(".hall", hall_id=hall_id),
    )


def remove_department(hall_id: str) -> Response:
    """Remove every account of a department from a hall."""
    return _act(
        lambda: curation.remove_department(
            _admin(), hall_id, request.form.get("department_id", "")
        ),
        "Department removed.",
        url_for(".hall", hall_id=hall_id),
    )


def layout(hall_id: str) -> str:
    """Show the layout editor: the draft's sections and branding, and every version.

    ?q=…&section=N searches the hall's services to pin in featured-services section N.
    """
    found = get_hall(hall_id)
    draft = layouts.draft_layout(found.id)
    published = layouts.published_layout(found.id)
    shown = draft or published
    sections = shown.sections if shown else layouts.default_sections()
    query = request.args.get("q", "").strip()
    return render_template(
        "admin/layout.html",
        hall=found,
        draft=draft,
        published=published,
        sections=sections,
        featured=layouts.featured_choices(found, sections, current_language()),
        query=query,
        search_section=request.args.get("section", type=int),
        found_services=layouts.find_featurable(found, query, current_language()),
        branding=shown.branding if shown else {},
        versions=layouts.list_versions(found.id),
        section_types=layouts.SECTION_TYPES,
        form_values=forms.section_form_values,
    )


def add_section(hall_id: str) -> Response:
    """Append a section of the chosen type to the draft."""
    return _edit_sections(
        hall_id, lambda sections: [*sections, layouts.new_section(request.form.get("type", ""))]
    )


def move_section(hall_id: str, index: int) -> Response:
    """Move a section of the draft up (offset -1) or down (offset 1)."""
    offset = -1 if request.form.get("offset") == "-1" else 1
    return _edit_sections(hall_id, lambda sections: layouts.moved(sections, index, offset))


def remove_section(hall_id: str, index: int) -> Response:
    """Remove a section from the draft."""
    return _edit_sections(hall_id, lambda sections: layouts.without(sections, index))


def section_settings(hall_id: str, index: int) -> Response:
    """Change the settings of one section of the draft."""

    def change(sections: list[dict]) -> list[dict]:
        if not 0 <= index < len(sections):
            raise LayoutError(f"there is no section {index + 1}")
        settings = forms.section_settings(sections[index]["type"], request.form)
        if sections[index]["type"] == "featured_services" and "item_ids" not in request.form:
            # Pinned services are chosen by search (add_featured), not typed in this form.
            settings["item_ids"] = sections[index]["settings"].get("item_ids", [])
        return layouts.with_settings(sections, index, settings)

    return _edit_sections(hall_id, change)


def add_featured(hall_id: str, index: int) -> Response:
    """Pin a service found by the layout page's search to a featured-services section."""
    item_id = request.form.get("item_id", type=int)
    back = url_for(
        ".layout",
        hall_id=hall_id,
        q=request.form.get("q") or None,
        section=index,
        _anchor=f"section-{index}",
    )
    return _edit_sections(
        hall_id, lambda sections: layouts.with_featured(hall_id, sections, index, item_id), back
    )


def move_featured(hall_id: str, index: int, item_id: int) -> Response:
    """Move a pinned service up (offset -1) or down (offset 1) in its section."""
    offset = -1 if request.form.get("offset") == "-1" else 1
    return _edit_sections(
        hall_id, lambda sections: layouts.featured_moved(sections, index, item_id, offset)
    )


def remove_featured(hall_id: str, index: int, item_id: int) -> Response:
    """Unpin a service from a featured-services section."""
    return _edit_sections(
        hall_id, lambda sections: layouts.without_featured(sections, index, item_id)
    )


def branding(hall_id: str) -> Response:
    """Change the draft's title override, logo and primary colour."""
    values = {
        name: forms.text(request.form, name) for name in ("title", "logo_url", "primary_colour")
    }
    return _act(
        lambda: layouts.edit_draft(_admin(), hall_id, branding=values),
        "Branding saved in the draft.",
        url_for(".layout", hall_id=hall_id),
    )


def publish(hall_id: str) -> Response:
    """Publish the draft layout."""
    return _act(
        lambda: layouts.publish(_admin(), hall_id),
        "Layout published.",
        url_for(".layout", hall_id=hall_id),
    )


def rollback(hall_id: str, version: int) -> Response:
    """Publish again, at once, what an earlier version held."""
    return _act(
        lambda: layouts.rollback(_admin(), hall_id, version),
        f"Version {version} published again.",
        url_for(".layout", hall_id=hall_id),
    )


def export(hall_id: str) -> Response:
    """Download a hall's configuration as an import file, without secrets."""
    text = export_hall_yaml(hall_id)
    response = Response(text, mimetype="application/yaml")
    response.headers["Content-Disposition"] = f'attachment; filename="hall-{hall_id}.yaml"'
    return response


def import_form() -> str:
    """Show the form that imports a configuration file."""
    return render_template("admin/import.html", problems=[], text="")


def import_config() -> Response | tuple[str, int]:
    """Import an uploaded or pasted configuration; list every problem by entry and key."""
    upload = request.files.get("file")
    if upload and upload.filename:
        source = upload.filename
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            return render_template(
                "admin/import.html", problems=["the file is not UTF-8 text"], text=""
            ), 422
    else:
        source, text = "pasted text", request.form.get("text", "")
    try:
        summary = curation.import_configuration(_admin(), text, source)
    except ImportFileError as exc:
        db.session.rollback()
        return render_template(
            "admin/import.html", problems=exc.problems, text=text, source=exc.source
        ), 422
    flash(
        "Imported: created "
        + (", ".join(f"{n} {kind}" for kind, n in summary.created.items()) or "nothing")
        + "; updated "
        + (", ".join(f"{n} {kind}" for kind, n in summary.updated.items()) or "nothing")
        + ".",
        "ok",
    )
    return redirect(url_for(".import_form"))


def health() -> str:
    """Show the health of every account, with the status chart."""
    report = all_accounts_report()
    chart = status_bars(report.rows, title="Account health by department", language="en")
    return render_template("admin/health.html", report=report, chart=chart, replies=reply_times())


def health_csv() -> Response:
    """Download the health of every account as CSV."""
    response = Response(health_csv_bytes(all_accounts_report().rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="account-health.csv"'
    return response


def _admin() -> User:
    return current_user._get_current_object()


def _login_url() -> str:
    """Return the sign-in page's address, coming back here afterwards."""
    endpoint = login_manager.login_view or "auth.login"
    try:
        return url_for(endpoint, next=request.full_path)
    except BuildError:  # the sign-in page may not be registered in this build
        return "/login?" + urlencode({"next": request.full_path})


def _act(action: Callable[[], object], done: str, back: str) -> Response:
    """Run one domain function; commit and say so, or roll back and show why."""
    try:
        action()
    except FORM_ERRORS as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(done, "ok")
    return redirect(back)


def _edit_sections(
    hall_id: str, change: Callable[[list[dict]], list[dict]], back: str | None = None
) -> Response:
    """Apply `change` to the draft's sections (starting the draft if needed) and save them."""

    def edit() -> None:
        draft = layouts.start_draft(_admin(), hall_id)
        layouts.edit_draft(_admin(), hall_id, sections=change(list(draft.sections)))

    return _act(edit, "Draft saved.", back or url_for(".layout", hall_id=hall_id))


bp.add_url_rule("/", view_func=index)
bp.add_url_rule("/filings", view_func=filings)
bp.add_url_rule("/filings/<int:request_id>/approve", view_func=approve, methods=["POST"])
bp.add_url_rule("/filings/<int:request_id>/reject", view_func=reject, methods=["POST"])
bp.add_url_rule("/departments", view_func=departments)
bp.add_url_rule("/accounts/<account_id>/suspend", view_func=suspend, methods=["POST"])
bp.add_url_rule("/accounts/<account_id>/reinstate", view_func=reinstate, methods=["POST"])
bp.add_url_rule("/users", view_func=users)
bp.add_url_rule("/users", view_func=create_operator, methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/deactivate", view_func=user_deactivate, methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/reactivate", view_func=user_reactivate, methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/password", view_func=user_password, methods=["POST"])
bp.add_url_rule("/audit", view_func=audit)
bp.add_url_rule("/halls", view_func=halls)
bp.add_url_rule("/halls", view_func=create_hall, methods=["POST"])
bp.add_url_rule("/halls/<hall_id>", view_func=hall)
bp.add_url_rule("/halls/<hall_id>/accounts/add", view_func=add_accounts, methods=["POST"])
bp.add_url_rule("/halls/<hall_id>/accounts/remove", view_func=remove_accounts, methods=["POST"])
bp.add_url_rule("/halls/<hall_id>/departments/add", view_func=add_department, methods=["POST"])
bp.add_url_rule(
    "/halls/<hall_id>/departments/remove", view_func=remove_department, methods=["POST"]
)
bp.add_url_rule("/halls/<hall_id>/layout", view_func=layout)
bp.add_url_rule("/halls/<hall_id>/layout/sections", view_func=add_section, methods=["POST"])
bp.add_url_rule(
    "/halls/<hall_id>/layout/sections/<int:index>/move", view_func=move_section, methods=["POST"]
)
bp.add_url_rule(
    "/halls/<hall_id>/layout/sections/<int:index>/remove",
    view_func=remove_section,
    methods=["POST"],
)
bp.add_url_rule(
    "/halls/<hall_id>/layout/sections/<int:index>/settings",
    view_func=section_settings,
    methods=["POST"],
)
bp.add_url_rule(
    "/halls/<hall_id>/layout/sections/<int:index>/featured",
    view_func=add_featured,
    methods=["POST"],
)
bp.add_url_rule(
    "/halls/<hall_id>/layout/sections/<int:index>/featured/<int:item_id>/move",
    view_func=move_featured,
    methods=["POST"],
)
bp.add_url_rule(
    "/halls/<hall_id>/layout/sections/<int:index>/featured/<int:item_id>/remove",
    view_func=remove_featured,
    methods=["POST"],
)
bp.add_url_rule("/halls/<hall_id>/layout/branding", view_func=branding, methods=["POST"])
bp.add_url_rule("/halls/<hall_id>/layout/publish", view_func=publish, methods=["POST"])
bp.add_url_rule(
    "/halls/<hall_id>/layout/rollback/<int:version>", view_func=rollback, methods=["POST"]
)
bp.add_url_rule("/halls/<hall_id>/export.yaml", view_func=export)
bp.add_url_rule("/import", view_func=import_form)
bp.add_url_rule("/import", view_func=import_config, methods=["POST"])
bp.add_url_rule("/health", view_func=health)
bp.add_url_rule("/health.csv", view_func=health_csv)
