"""Tables of the unit tree."""

from piccolo.columns import Date, ForeignKey, Integer, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.readable import Readable
from piccolo.table import Table


class Unit(Table, tablename="unit"):
    """A unit (đơn vị): Sở, Phòng, commune office, school or class, at any depth of the tree.

    ``path`` is the chain of ids from the root (``/1/7/42/``), kept by the import so that a
    subtree is one indexed prefix query on both engines. A unit that was merged or renamed keeps
    its row (old campaigns refer to it) with ``valid_to`` and ``successor`` set.
    """

    code = Varchar(length=40, unique=True, index=True)
    name = Varchar(length=255)
    kind = Varchar(length=20)
    level = Varchar(length=20, null=True, default=None)
    parent = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)
    path = Varchar(length=1000, index=True, default="")
    depth = Integer(default=0)
    expected_respondents = Integer(null=True, default=None)
    valid_from = Date(null=True, default=None)
    valid_to = Date(null=True, default=None)
    successor = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])
