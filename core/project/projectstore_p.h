#pragma once
// Private parts of ProjectStore shared by its .cpp files (open/images, classes/labels, runs/settings):
// the connection, the write transaction guard, and the SQLite-exception-to-Error conversion.
#include <filesystem>
#include <memory>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "core/project/projectstore.h"

namespace tessera::project {

// SQLite's message and what it means for the user: for a failed write, the cause that SQLite's "disk I/O error"
// hides (a full disk, a file-size limit); for a lock, that another program is writing to the project; for a file that
// cannot be opened or written, that the folder or file may be read-only.
std::string describeSqliteError(const SQLite::Exception& e, const std::filesystem::path& dbFile);
// The file itself is damaged or not a database (what a backup can mend), as opposed to a full disk, permissions or
// a lock, which say nothing about the file's contents.
bool isDamagedFileError(const SQLite::Exception& e);

struct ProjectStore::Impl {
    std::filesystem::path root;
    std::filesystem::path dataDir;
    bool inPhotoFolder = true;
    std::filesystem::path dbPath;
    std::unique_ptr<SQLite::Database> db;
    int schemaVersion = 0;
    std::filesystem::path restoredFrom;   // the backup put in place of a missing or damaged database on opening
    std::filesystem::path damagedKeptAs;  // where that damaged database was moved
    std::filesystem::path copiedFrom;     // the read-only project data this store works on a copy of

    std::string dbName() const { return dbPath.string(); }

    // Runs `body` and converts SQLite errors (and anything else thrown by the library) into an Error naming the
    // database and the operation; nothing escapes the public API.
    template <class R, class F>
    R guard(const char* what, F&& body) const {
        try {
            return body();
        } catch (const SQLite::Exception& e) {
            return makeError(dbName() + ": " + what + " failed: " + describeSqliteError(e, dbPath));
        } catch (const std::exception& e) {
            return makeError(dbName() + ": " + what + " failed: " + e.what());
        }
    }

    // Writes take the lock at BEGIN (IMMEDIATE) so a reader never has to upgrade and deadlock into SQLITE_BUSY.
    SQLite::Transaction begin() { return SQLite::Transaction(*db, SQLite::TransactionBehavior::IMMEDIATE); }
};


}  // namespace tessera::project
