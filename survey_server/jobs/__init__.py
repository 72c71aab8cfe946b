"""Background work as jobs in a PostgreSQL-backed queue (procrastinate): ``queue`` connects and
runs workers, ``tasks`` says what is a job and why, ``cli`` the ``worker`` and ``jobs``
commands (docs/JOBS.md)."""
