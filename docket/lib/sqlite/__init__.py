"""Docket's SQLite database backend (settings: ENGINE "docket.lib.sqlite"): Django's own,
with statements' placeholders turned into SQLite's more quickly (see `base`)."""
