#include "core/project/schemamigrator.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "core/project/projectstore_p.h"

namespace tessera::project {

namespace {

// Version 1: everything the first release needs. Times are Unix epoch milliseconds; paths are '/'-separated and
// relative to the project root. Labels and predictions follow their image row, so renames keep them.
const char* kSchemaV1 = R"sql(
CREATE TABLE images (
    id           INTEGER PRIMARY KEY,
    rel_path     TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL DEFAULT '',
    file_size    INTEGER NOT NULL DEFAULT 0,
    mtime_ns     INTEGER NOT NULL DEFAULT 0,
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    channels     INTEGER NOT NULL DEFAULT 0,
    bit_depth    INTEGER NOT NULL DEFAULT 0,
    format       TEXT NOT NULL DEFAULT '',
    flags        INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    phash        INTEGER NOT NULL DEFAULT 0,
    blur         REAL NOT NULL DEFAULT 0,
    find_id      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX images_content_hash ON images(content_hash);
CREATE INDEX images_find_id ON images(find_id) WHERE find_id <> '';

CREATE TABLE classes (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL DEFAULT '#808080',
    key   INTEGER NOT NULL DEFAULT 0 CHECK (key BETWEEN 0 AND 9),
    ord   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE labels (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    source   TEXT NOT NULL CHECK (source IN ('manual', 'imported', 'accepted-prediction')),
    time_ms  INTEGER NOT NULL
);
CREATE INDEX labels_class ON labels(class_id);

CREATE TABLE splits (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    fold     INTEGER NOT NULL DEFAULT 0,
    kind     TEXT NOT NULL CHECK (kind IN ('train', 'val', 'test')),
    PRIMARY KEY (image_id, fold)
);

CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'running',
    options_json TEXT NOT NULL DEFAULT '{}',
    card_path    TEXT NOT NULL DEFAULT '',
    model_path   TEXT NOT NULL DEFAULT '',
    metrics_json TEXT NOT NULL DEFAULT '{}',
    created_ms   INTEGER NOT NULL DEFAULT 0,
    finished_ms  INTEGER NOT NULL DEFAULT 0
);

-- A prediction of a class that was later removed keeps its row (top_json still names the classes) with a NULL class.
CREATE TABLE predictions (
    image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    class_id   INTEGER REFERENCES classes(id) ON DELETE SET NULL,
    confidence REAL NOT NULL DEFAULT 0,
    top_json   TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (image_id, run_id)
);
CREATE INDEX predictions_run ON predictions(run_id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
)sql";

// Version 2: find provenance (site, context / stratigraphic unit) beside find_id, and the kind of a run ("train",
// "quick model", "predict") so that predictions of a quick model can be told from those of a trained network.
const char* kSchemaV2 = R"sql(
ALTER TABLE images ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN context TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'train';
)sql";

// Version 3: labels a person marked as disputed (specialists disagree; the attribution is open). The photo keeps its
// label, and training and evaluation leave it out until the dispute is cleared.
const char* kSchemaV3 = R"sql(
CREATE TABLE disputes (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    time_ms  INTEGER NOT NULL
);
)sql";

// Version 4: the photos the last label check (confident learning on out-of-fold predictions) flagged as possibly
// mislabelled, with the label it judged: the flag holds while the photo keeps that label, undisputed and unconfirmed.
// A label's source may now be 'confirmed' (a person kept it after the check questioned it): SQLite cannot change a
// CHECK constraint in place, so the labels table is rebuilt with the same rows (nothing references it).
const char* kSchemaV4 = R"sql(
CREATE TABLE labels_v4 (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    source   TEXT NOT NULL CHECK (source IN ('manual', 'imported', 'accepted-prediction', 'confirmed')),
    time_ms  INTEGER NOT NULL
);
INSERT INTO labels_v4 (image_id, class_id, source, time_ms) SELECT image_id, class_id, source, time_ms FROM labels;
DROP TABLE labels;
ALTER TABLE labels_v4 RENAME TO labels;
CREATE INDEX labels_class ON labels(class_id);

CREATE TABLE label_issues (
    image_id           INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    class_id           INTEGER NOT NULL,
    suggested_class_id INTEGER NOT NULL,
    self_confidence    REAL NOT NULL,
    time_ms            INTEGER NOT NULL
);
)sql";

}  // namespace

const std::vector<Migration>& SchemaMigrator::migrations() {
    static const std::vector<Migration> steps = {
        {1, kSchemaV1},
        {2, kSchemaV2},
        {3, kSchemaV3},
        {4, kSchemaV4},
        // {5, "ALTER TABLE ...;"},  -- the next schema change goes here
    };
    return steps;
}

int SchemaMigrator::latestVersion() { return migrations().back().toVersion; }

int SchemaMigrator::userVersion(SQLite::Database& db) {
    return db.execAndGet("PRAGMA user_version").getInt();
}

Status SchemaMigrator::migrate(SQLite::Database& db, const std::string& dbName, const std::vector<Migration>& steps) {
    const int latest = steps.empty() ? 0 : steps.back().toVersion;
    int current = 0;
    try {
        current = userVersion(db);
    } catch (const SQLite::Exception& e) {
        return makeError("cannot read the schema version of '" + dbName + "': " + describeSqliteError(e, db.getFilename()));
    }
    if (current > latest) {
        return makeError("'" + dbName + "' was written by a newer Tessera (project schema version " +
                         std::to_string(current) + "; this version understands up to " + std::to_string(latest) +
                         "). Update Tessera to open this project; the database was not changed.");
    }
    for (const Migration& step : steps) {
        if (step.toVersion <= current) continue;
        try {
            // IMMEDIATE: take the write lock up front so two processes opening an old project cannot both migrate.
            SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
            // Re-read under the lock: another process may have migrated meanwhile.
            if (userVersion(db) >= step.toVersion) {
                current = userVersion(db);
                continue;
            }
            db.exec(step.sql);
            db.exec("PRAGMA user_version = " + std::to_string(step.toVersion));
            transaction.commit();
            current = step.toVersion;
        } catch (const SQLite::Exception& e) {
            return makeError("cannot upgrade '" + dbName + "' to schema version " + std::to_string(step.toVersion) +
                             ": " + describeSqliteError(e, db.getFilename()));
        }
    }
    return {};
}

}  // namespace tessera::project
