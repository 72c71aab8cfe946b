"""Staff accounts, their sessions and the audit trail of sensitive actions.

Staff are not respondents: their sign-ins and exports are recorded with exact times, because an
office must be able to say who downloaded individual responses and when (docs/PRIVACY.md).
"""

from piccolo.columns import BigInt, Boolean, Date, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.responses.tables import Submission
from survey_server.units.tables import Unit


class StaffUser(Table, tablename="staff_user"):
    """An account scoped to a unit subtree.

    ``role``: ``admin`` (Sở administrator), ``staff`` (Phòng or commune office), ``principal``
    (a school) or ``partner`` (a Fatherland Front or mass-organisation account; ``partner`` is
    the organisation's name as its links carry it). ``password_hash`` is Argon2id, empty while
    the account has only a one-time code (``staff.sign_in_codes``): ``code_hash`` is that code's
    keyed hash, valid until ``code_expires_at`` (Unix seconds), empty once spent.
    ``must_change_password``: the next pages the account opens are the password page only.
    """

    username = Varchar(length=64, unique=True, index=True)
    password_hash = Varchar(length=255)
    role = Varchar(length=20)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict)
    partner = Varchar(length=120, null=True, default=None)
    active = Boolean(default=True)
    created_on = Date()
    must_change_password = Boolean(default=False)
    code_hash = Varchar(length=64, default="")
    code_expires_at = BigInt(default=0)


class SignInGuard(Table, tablename="sign_in_guard"):
    """Failed sign-ins of one key (``staff.throttle``): an account's name or a trusted browser's
    device cookie, both as hashes; when the next attempt is looked at (Unix seconds)."""

    key = Varchar(length=60, unique=True, index=True)
    failures = Integer(default=0)
    next_at = BigInt(default=0)
    updated_at = BigInt(default=0)


class StaffSession(Table, tablename="staff_session"):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256, so a
    copy of the database opens no session. ``csrf`` is the token every form of the session
    must carry; ``expires_at`` is a Unix time."""

    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(StaffUser, on_delete=OnDelete.cascade, index=True)
    csrf = Varchar(length=64)
    expires_at = BigInt()


class AuditEvent(Table, tablename="audit_event"):
    """Who did what sensitive thing and when (an export of individual responses, an account
    created); ``detail`` is JSON with what was exported, never the data itself."""

    user = ForeignKey(StaffUser, null=True, default=None, on_delete=OnDelete.set_null)
    username = Varchar(length=64)
    action = Varchar(length=40)
    detail = Text(default="{}")
    at = BigInt()


class FeedbackCase(Table, tablename="feedback_case"):
    """What an office did with one response's free-text comment.

    ``kind`` is the legal category staff give it (``phan_anh``, ``kien_nghi``, ``khieu_nai``,
    ``to_cao``), ``status`` ``chua`` / ``dang`` / ``da`` (giải quyết), ``reply`` the answer the
    respondent reads with the receipt code — so a parent can follow up without saying who
    they are. One case per response, created when staff first touch it.
    """

    submission = ForeignKey(Submission, unique=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=20, null=True, default=None)
    status = Varchar(length=10, default="chua")
    reply = Text(default="")
    updated_by = ForeignKey(StaffUser, null=True, default=None, on_delete=OnDelete.set_null)
    updated_at = BigInt(default=0)
