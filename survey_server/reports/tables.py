"""Tables of the reports domain."""

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_server.units.tables import Unit


class UnitLetterhead(Table, tablename="letterhead"):
    """What a unit's reports carry above the title and under the text (Nghị định 30/2020):
    edited by the unit's own office or an administrator above it. A unit without a row gets
    the defaults of ``reports.letterheads``, derived from its kind and the tree."""

    unit = ForeignKey(Unit, unique=True, on_delete=OnDelete.cascade)
    governing = Varchar(length=160, default="")  # cơ quan chủ quản
    issuer = Varchar(length=160)  # cơ quan ban hành
    symbol = Varchar(length=30)  # ký hiệu: "SGDĐT" in "Số: …/BC-SGDĐT"
    place = Varchar(length=80)  # địa danh
    signer_authority = Varchar(length=80, default="")  # "KT. GIÁM ĐỐC", may be empty
    signer_title = Varchar(length=80)  # "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
    signer_name = Varchar(length=80, default="")
    recipients = Text(default="")  # Nơi nhận, one per line
    updated_by = Varchar(length=64, default="")
    updated_at = Timestamptz()
