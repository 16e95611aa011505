#pragma once
// Brings a project database to the current schema: PRAGMA user_version holds the version, and each migration step
// moves it up by one inside its own transaction. A newer database than this build knows is refused, never touched.
// Internal to core/project (includes SQLiteCpp); the store and the tests use it.
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "core/util/expected.h"

namespace tessera::project {

struct Migration {
    int toVersion = 0;  // user_version after this step
    std::string sql;    // one or more statements
};

class SchemaMigrator {
public:
    // The steps of this build: step N creates/alters what schema version N needs. Append, never edit old steps.
    static const std::vector<Migration>& migrations();
    static int latestVersion();

    // Runs the steps above the database's user_version. `dbName` is only for messages.
    static Status migrate(SQLite::Database& db, const std::string& dbName,
                          const std::vector<Migration>& steps = migrations());
    static int userVersion(SQLite::Database& db);
};

}  // namespace tessera::project
