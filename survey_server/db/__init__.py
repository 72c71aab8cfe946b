"""The database: engines built from a URL, the one Piccolo app and its migrations."""
