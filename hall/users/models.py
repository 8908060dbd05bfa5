"""Users (administrators and department operators) and failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall.directory.models import Department
from hall.extensions import db
from hall.timestamps import UTCDateTime, utcnow

ROLES = ("admin", "operator")

# Which departments an operator acts for; administrators act for all and have no rows.
user_department = Table(
    "user_department",
    db.metadata,
    Column("user_id", ForeignKey("hall_user.id"), primary_key=True),
    Column("department_id", ForeignKey("department.id"), primary_key=True),
)


class User(UserMixin, db.Model):
    """A person who signs in to the console or the admin pages."""

    # Not "user": that is a reserved word in PostgreSQL.
    __tablename__ = "hall_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # A column, so it overrides UserMixin.is_active: Flask-Login refuses inactive users.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the session id (get_id): raising it on a password change or deactivation
    # ends every session the user has open.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    departments: Mapped[list[Department]] = relationship(
        secondary=user_department, order_by="Department.id"
    )

    def get_id(self) -> str:
        """Return the session id, "id:version", so raising the version ends every session."""
        return f"{self.id}:{self.session_version or 0}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def department_ids(self) -> set[str]:
        return {department.id for department in self.departments}


class LoginFailure(db.Model):
    """One failed sign-in, by the username typed (known or not), for the lockout."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
