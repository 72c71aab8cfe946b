"""Tokens already issued go into the register; nothing is left of the tokens already spent.

Spent tokens were kept as rows marked ``used``, rewritten at the time of use: on PostgreSQL their
transaction ids, and on both engines their order, could pair them with their responses. They
are deleted (after their digest is registered, so a second use of their slips is still told
apart from a wrong code), and a link that tokens hang on loses its free-text label, which every
response made with those tokens pointed to. On PostgreSQL the dead row versions are removed by
the next VACUUM of ``token``, which the server runs when it starts.
"""

import hashlib

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T18:28:51:000000"
VERSION = "1.38.0"
DESCRIPTION = "spent tokens leave no row"
CHUNK = 500


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="lang_nghe", description=DESCRIPTION)

    async def register_tokens() -> None:
        from piccolo.apps.migrations.tables import Migration

        db = Migration._meta.db
        rows = await db.run_ddl("SELECT code, link FROM token ORDER BY code")
        values = [
            f"('{hashlib.sha256(str(row['code']).encode()).hexdigest()}', {int(row['link'])})"
            for row in rows
        ]
        for start in range(0, len(values), CHUNK):
            await db.run_ddl(
                "INSERT INTO token_issued (digest, link) VALUES "
                + ", ".join(values[start : start + CHUNK])
            )
        await db.run_ddl("DELETE FROM token WHERE status NOT IN ('issued', 'revoked')")
        await db.run_ddl(
            "UPDATE distribution_link SET label = NULL "
            "WHERE label IS NOT NULL AND id IN (SELECT link FROM token_issued)"
        )

    manager.add_raw(register_tokens)
    return manager
