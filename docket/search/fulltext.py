"""The full-text structures over SearchEntry, which are not Django models: FTS5 on SQLite
(an external-content table kept by triggers, and its vocabulary), a generated tsvector
column with a GIN index on PostgreSQL. Migration 0002 creates them; a rebuild on SQLite
sets the triggers aside while it loads and builds the FTS5 index in one pass."""

SQLITE_TABLES = [
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(
        title, names, body, kind,
        content='search_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    # Its words, so that a word's prefix can be spelled out as the words it begins
    # (docket.search.engine.SQLiteEngine.words_beginning).
    "CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, 'row')",
]
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_fts(rowid, title, names, body, kind)
        VALUES (new.id, new.title, new.names, new.body, new.kind);
    END
    """,
    """
    CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, names, body, kind)
        VALUES ('delete', old.id, old.title, old.names, old.body, old.kind);
    END
    """,
    """
    CREATE TRIGGER search_fts_update AFTER UPDATE OF title, names, body, kind
    ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, names, body, kind)
        VALUES ('delete', old.id, old.title, old.names, old.body, old.kind);
        INSERT INTO search_fts(rowid, title, names, body, kind)
        VALUES (new.id, new.title, new.names, new.body, new.kind);
    END
    """,
]
SQLITE_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
]
SQLITE_DROP_TABLES = [
    "DROP TABLE IF EXISTS search_fts_vocab",
    "DROP TABLE IF EXISTS search_fts",
]
SQLITE_REBUILD = "INSERT INTO search_fts(search_fts) VALUES ('rebuild')"

KINDS = ("person", "case", "event", "source", "letter")
# One GIN index per kind: a search asks for one kind at a time, and a common word of one
# kind (a detention in events) is no cost to searching another (persons). A kind's
# newest entries are the top of its range of ids, in the primary key's index.
POSTGRESQL_INDEXES = [
    f"CREATE INDEX search_entry_document_{kind} ON search_searchentry "
    f"USING gin (document) WHERE kind = '{kind}'"
    for kind in KINDS
]
POSTGRESQL_DROP_INDEXES = [f"DROP INDEX IF EXISTS search_entry_document_{kind}" for kind in KINDS]
POSTGRESQL = [
    # Title words weigh A, name keys B, the rest D: a query on names asks for B only.
    """
    ALTER TABLE search_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title), 'A')
        || setweight(to_tsvector('simple'::regconfig, names), 'B')
        || to_tsvector('simple'::regconfig, body)
    ) STORED
    """,
    *POSTGRESQL_INDEXES,
]
POSTGRESQL_DROP = [
    *POSTGRESQL_DROP_INDEXES,
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS document",
]
