"""Staff accounts, sessions and the scope every staff query is limited to."""
