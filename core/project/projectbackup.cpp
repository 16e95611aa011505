#include "core/project/projectbackup.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>

#include "core/util/timestamp.h"

namespace fs = std::filesystem;

namespace tessera::project {

namespace {

constexpr const char* kPrefix = "project-";
constexpr const char* kSuffix = ".db";

fs::path backupsDir(const fs::path& dataDir) { return dataDir / "backups"; }

}  // namespace

std::vector<fs::path> databaseBackups(const fs::path& dataDir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(backupsDir(dataDir), ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kPrefix, 0) == 0 && name.size() > 3 && name.compare(name.size() - 3, 3, kSuffix) == 0 &&
            e.is_regular_file(ec))
            out.push_back(e.path());
    }
    // The UTC stamp in the name sorts in time order (a second backup within one second gets "-2").
    std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) { return a.filename() > b.filename(); });
    return out;
}

bool databaseBackupIsDue(const fs::path& dataDir) {
    const auto backups = databaseBackups(dataDir);
    if (backups.empty()) return true;
    std::error_code ec;
    const auto written = fs::last_write_time(backups.front(), ec);
    if (ec) return true;
    return fs::file_time_type::clock::now() - written > std::chrono::minutes(kBackupIntervalMinutes);
}

Status writeDatabaseBackup(sqlite3* source, const fs::path& dataDir) {
    const fs::path dir = backupsDir(dataDir);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return makeError("cannot create " + dir.string() + ": " + ec.message());
    fs::path target = dir / (kPrefix + utcFileStamp() + kSuffix);
    for (int n = 2; fs::exists(target, ec); ++n) target = dir / (kPrefix + utcFileStamp() + "-" + std::to_string(n) + kSuffix);
    const fs::path part = target.string() + ".part";
    sqlite3* dest = nullptr;
    int rc = sqlite3_open_v2(part.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc == SQLITE_OK) {
        sqlite3_backup* backup = sqlite3_backup_init(dest, "main", source, "main");
        if (backup) {
            sqlite3_backup_step(backup, -1);  // all pages in one step: a consistent snapshot
            sqlite3_backup_finish(backup);
        }
        rc = sqlite3_errcode(dest);
    }
    const std::string why = dest ? sqlite3_errmsg(dest) : "out of memory";
    sqlite3_close(dest);
    if (rc != SQLITE_OK) {
        fs::remove(part, ec);
        return makeError("cannot back up the project database to " + target.string() + ": " + why);
    }
    fs::rename(part, target, ec);
    if (ec) return makeError("cannot back up the project database to " + target.string() + ": " + ec.message());
    const auto all = databaseBackups(dataDir);
    for (size_t i = kBackupsKept; i < all.size(); ++i) fs::remove(all[i], ec);
    return {};
}

Expected<fs::path> putBackupInPlace(const fs::path& dbPath, const fs::path& backup) {
    std::error_code ec;
    fs::path keptAs;
    if (fs::exists(dbPath, ec)) {
        keptAs = dbPath.string() + ".damaged-" + utcFileStamp();
        fs::rename(dbPath, keptAs, ec);
        if (ec) return makeError("cannot move the damaged " + dbPath.string() + " aside: " + ec.message());
        for (const char* side : {"-wal", "-shm"}) {
            const fs::path sideFile = dbPath.string() + side;
            if (fs::exists(sideFile, ec)) fs::rename(sideFile, keptAs.string() + side, ec);
        }
    }
    const fs::path part = dbPath.string() + ".restoring";
    fs::copy_file(backup, part, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::rename(part, dbPath, ec);
    if (ec) return makeError("cannot copy the backup " + backup.string() + " to " + dbPath.string() + ": " + ec.message());
    return keptAs;
}

}  // namespace tessera::project
