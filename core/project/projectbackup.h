#pragma once
// Rotating copies of a project database (<data>/backups/project-<UTC time>.db), made with SQLite's online backup
// API so each is a consistent snapshot, and putting one in place of a database that is missing, emptied or damaged
// (the damaged file is kept beside it, never deleted). ProjectStore::open uses these; nothing else writes there.
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/expected.h"

struct sqlite3;

namespace tessera::project {

constexpr int kBackupsKept = 3;
constexpr int kBackupIntervalMinutes = 10;  // a newer backup than this is not replaced on opening

// The backups of the project whose data folder is `dataDir`, newest first.
std::vector<std::filesystem::path> databaseBackups(const std::filesystem::path& dataDir);

// True when there is no backup or the newest is older than kBackupIntervalMinutes.
bool databaseBackupIsDue(const std::filesystem::path& dataDir);

// Copies the open database `source` into a new backup, then keeps the kBackupsKept newest.
Status writeDatabaseBackup(sqlite3* source, const std::filesystem::path& dataDir);

// Moves a damaged or empty `dbPath` (with its -wal and -shm files) aside as <dbPath>.damaged-<UTC time> and copies
// `backup` into its place. Returns where the damaged file went ("" when there was none).
Expected<std::filesystem::path> putBackupInPlace(const std::filesystem::path& dbPath,
                                                 const std::filesystem::path& backup);

}  // namespace tessera::project
