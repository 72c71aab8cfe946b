"""Tables of the results domain: the keys this installation accepts packages from, and the
packages it imported (docs/RESULTS-PACKAGE.md)."""

from piccolo.columns import BigInt, Bytea, Integer, Varchar
from piccolo.table import Table


class TrustedKey(Table, tablename="results_trusted_key"):
    """A public key packages may be signed with: an installation (a Sở) this one rolls up.

    ``public_key`` is the raw Ed25519 key in base64 and ``fingerprint`` the name packages give
    it (``signing.fingerprint``)."""

    name = Varchar(length=120, unique=True)
    public_key = Varchar(length=64)
    fingerprint = Varchar(length=64, unique=True)


class ImportedPackage(Table, tablename="results_package"):
    """A verified package: one campaign of one installation, replaced only by a newer one
    (a greater ``revision``) signed by the same key.

    ``root`` is the code of its root unit, ``content_hash`` its questionnaire version and
    ``method`` the canonical JSON of its method fields: every stored package agrees on them
    and on ``k``. ``body`` is the signed package as received, gzip-compressed."""

    fingerprint = Varchar(length=64)
    campaign = Varchar(length=40)
    root = Varchar(length=40)
    revision = BigInt()
    content_hash = Varchar(length=64)
    k = Integer()
    method = Varchar(length=400)
    body = Bytea()


class StoredRollup(Table, tablename="results_rollup"):
    """The roll-up of the packages stored (``merge.current_rollup``), kept so that pages read
    it instead of assembling a nation's tallies: ``digest`` names the packages it was made
    from, ``body`` is its JSON, gzip-compressed. One row at most."""

    digest = Varchar(length=64, unique=True)
    body = Bytea()
