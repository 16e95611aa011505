#include "core/project/projectstore.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "core/project/projectbackup.h"
#include "core/project/projectstore_p.h"
#include "core/project/schemamigrator.h"
#include "core/util/diskspace.h"
#include "core/util/pathguard.h"
#include "core/util/text.h"

namespace fs = std::filesystem;

namespace tessera::project {

std::string describeSqliteError(const SQLite::Exception& e, const fs::path& dbFile) {
    std::string text = e.what();
    const int primary = e.getErrorCode() & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return text + " (another program, Tessera's window or tessera-cli, is writing to this project; try again "
                      "when it has finished)";
    if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM)
        return text + " (is the folder or the file read-only?)";
    // SQLite's "disk I/O error" hides the system's cause (and its own record of errno is not reliable by the time
    // the error reaches us): look at the folder and the process's limits instead.
    if (primary == SQLITE_FULL || primary == SQLITE_IOERR) {
        if (auto why = util::whyWritesFail(dbFile.parent_path())) return text + " (" + *why + ")";
        if (primary == SQLITE_FULL) return text + " (free some space and try again)";
    }
    return text;
}

bool isDamagedFileError(const SQLite::Exception& e) {
    const int primary = e.getErrorCode() & 0xff;
    return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

namespace {

const char* kImageColumns =
    "id, rel_path, content_hash, file_size, mtime_ns, width, height, channels, bit_depth, format, flags, error, "
    "phash, blur, find_id, site, context";

ImageRecord readImage(SQLite::Statement& q) {
    ImageRecord r;
    r.id = q.getColumn(0).getInt64();
    r.relPath = q.getColumn(1).getString();
    r.contentHash = q.getColumn(2).getString();
    r.fileSize = q.getColumn(3).getInt64();
    r.mtimeNs = q.getColumn(4).getInt64();
    r.width = q.getColumn(5).getInt();
    r.height = q.getColumn(6).getInt();
    r.channels = q.getColumn(7).getInt();
    r.bitDepth = q.getColumn(8).getInt();
    r.format = q.getColumn(9).getString();
    r.flags = static_cast<uint32_t>(q.getColumn(10).getInt64());
    r.error = q.getColumn(11).getString();
    r.perceptualHash = static_cast<uint64_t>(q.getColumn(12).getInt64());
    r.blur = q.getColumn(13).getDouble();
    r.findId = q.getColumn(14).getString();
    r.site = q.getColumn(15).getString();
    r.context = q.getColumn(16).getString();
    return r;
}

// Why `relPath` cannot name a photo of the project: it would leave the photo folder, or is not UTF-8 text.
std::optional<std::string> relPathProblem(const std::string& relPath) {
    if (!isContainedRelativePath(relPath))
        return "'" + printable(relPath) + "' is not a path inside the photo folder";
    if (!isValidUtf8(relPath)) return "'" + printable(relPath) + "' is not valid UTF-8";
    return std::nullopt;
}

// An existing database file of 0 bytes holds nothing, not even a schema: it was truncated (a full disk, a failed
// copy). SQLite would take it for a new, empty project and the labels would seem gone; refuse it instead. (A new
// project in WAL mode may briefly have its first pages only in the -wal file.)
bool isTruncatedToNothing(const fs::path& dbPath) {
    std::error_code ec;
    const auto size = fs::file_size(dbPath, ec);
    if (ec || size != 0) return false;
    const auto walSize = fs::file_size(fs::path(dbPath.string() + "-wal"), ec);
    return ec || walSize == 0;
}

// Every photo row must name a path inside the photo folder: a project folder received from someone else could
// otherwise make Tessera read (train, predict) or copy (export) any file of this machine. And every name is UTF-8,
// as Tessera writes them: anything else would break a JSON or CSV output at the end of a long job.
Status checkRowsAreSafe(SQLite::Database& db, const std::string& dbName) {
    const std::string changed = "; the database was changed outside Tessera, and Tessera will not work through it "
                                "(scan the photo folder into a new project instead)";
    SQLite::Statement photos(db, "SELECT id, rel_path, find_id, site, context FROM images");
    while (photos.executeStep()) {
        const std::string where = dbName + ": photo " + std::to_string(photos.getColumn(0).getInt64());
        if (auto problem = relPathProblem(photos.getColumn(1).getString()))
            return makeError(where + " is listed as " + *problem + changed);
        for (int c = 2; c <= 4; ++c)
            if (!isValidUtf8(photos.getColumn(c).getString()))
                return makeError(where + " has a " + photos.getColumnName(c) + " that is not UTF-8 text ('" +
                                 printable(photos.getColumn(c).getString()) + "')" + changed);
    }
    SQLite::Statement classes(db, "SELECT id, name FROM classes");
    while (classes.executeStep())
        if (!isValidUtf8(classes.getColumn(1).getString()))
            return makeError(dbName + ": class " + std::to_string(classes.getColumn(0).getInt64()) + " is named '" +
                             printable(classes.getColumn(1).getString()) + "', which is not UTF-8 text" + changed);
    return {};
}

// SQLite's quick check (structure, not index contents): a damaged database is refused before anything reads or
// writes it, so a damage cannot spread into new labels.
Status checkNotDamaged(SQLite::Database& db, const std::string& dbName) {
    SQLite::Statement q(db, "PRAGMA quick_check(5)");
    std::string result;
    while (q.executeStep()) {
        if (!result.empty()) result += "; ";
        result += q.getColumn(0).getString();
    }
    if (result == "ok") return {};
    return makeError(dbName + " is damaged (SQLite's check: " + printable(result, 300) + ")");
}

std::string fsReason(const std::error_code& ec) {
    std::string reason = ec.message();
    if (ec == std::errc::permission_denied || ec == std::errc::read_only_file_system ||
        ec == std::errc::operation_not_permitted)
        reason += " (the folder is read-only for this user; Tessera keeps its project data in it)";
    return reason;
}

// Why FULL and not NORMAL: in WAL mode both survive a killed process (a commit has been written to the WAL file,
// which lives in the OS page cache once write() returns). NORMAL can lose the last commits on a power cut or OS
// crash, and labels are hours of an archaeologist's work on a laptop whose battery may die. FULL costs one fsync of
// the WAL per commit: invisible at human labelling rates, and the scanner and bulk edits batch their writes.
void configureConnection(SQLite::Database& db) {
    const std::string mode = db.execAndGet("PRAGMA journal_mode = WAL").getString();
    // A file system without shared memory (some network shares) keeps the rollback journal; with synchronous=FULL
    // that is just as safe, only readers then wait for the writer. So carry on rather than refuse the project.
    (void)mode;
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
}

bool isEmptyProject(SQLite::Database& db) {
    return db.execAndGet("SELECT (SELECT COUNT(*) FROM images) + (SELECT COUNT(*) FROM classes)").getInt64() == 0;
}

// What opening the database file found: an error, and whether it is the file's own fault (emptied, damaged, not a
// database) — the case a backup can mend — rather than, say, permissions.
struct DatabaseOpening {
    Status status;
    bool damaged = false;
};

DatabaseOpening openDatabase(const fs::path& dbPath, std::unique_ptr<SQLite::Database>& db) {
    const std::string dbName = dbPath.string();
    if (isTruncatedToNothing(dbPath))
        return {makeError("'" + dbName + "' is empty (0 bytes): the project's labels are not in it"), true};
    try {
        db = std::make_unique<SQLite::Database>(dbPath, SQLite::OPEN_READWRITE, /*busyTimeoutMs=*/5000);
        // SQLite silently falls back to read-only when the file is not writable; the project cannot work that way.
        if (sqlite3_db_readonly(db->getHandle(), "main") == 1)
            return {makeError("'" + dbName + "' is read-only; Tessera needs to write its project database "
                              "(check the file's permissions or copy the project to a writable folder)")};
        configureConnection(*db);
    } catch (const SQLite::Exception& e) {
        return {makeError("cannot open project database '" + dbName + "': " + describeSqliteError(e, dbPath)),
                isDamagedFileError(e)};
    }
    try {
        if (auto st = checkNotDamaged(*db, dbName); !st) return {st.takeError(), true};
    } catch (const SQLite::Exception& e) {
        // Only SQLite's verdict on the file makes it "damaged": an I/O error (a full disk) says nothing about the
        // labels in it, and putting a backup in its place would lose the newest ones.
        if (!isDamagedFileError(e))
            return {makeError("cannot read '" + dbName + "': " + describeSqliteError(e, dbPath))};
        return {makeError("cannot read '" + dbName + "': " + e.what() + " (the file is damaged, or it is not a "
                          "Tessera project database; Tessera leaves it untouched)"),
                true};
    }
    return {};
}

// A new database is made complete under a name of its own and only then renamed to project.db: a kill or a full
// disk while it is being made leaves a stray temporary file, never an empty or half-made project.db that the next
// opening would have to take for an emptied project.
Status createDatabase(const fs::path& dbPath) {
    const fs::path temp = dbPath.string() + ".new-" + std::to_string(::getpid());
    std::error_code ec;
    const auto removeTemp = [&] {
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(temp.string() + suffix, ec);
    };
    removeTemp();
    try {
        Status made;
        {
            SQLite::Database db(temp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
            configureConnection(db);
            made = SchemaMigrator::migrate(db, dbPath.string());
        }  // closing the only connection writes everything into the file and removes its WAL
        if (!made) {
            removeTemp();
            return made;
        }
        fs::rename(temp, dbPath, ec);
        if (ec) {
            const std::string why = ec.message();
            removeTemp();
            return makeError("cannot create '" + dbPath.string() + "': " + why);
        }
        return {};
    } catch (const SQLite::Exception& e) {
        removeTemp();
        return makeError("cannot create project database '" + dbPath.string() + "': " + describeSqliteError(e, dbPath));
    }
}

// How to get the labels back: the newest backup, and the command that puts it in place.
std::string restoreHint(const std::vector<fs::path>& backups, const fs::path& root) {
    if (backups.empty()) return ". There is no backup of it in the project; restore the file from your own backups";
    return ". The newest backup of it is " + backups.front().string() + ": 'tessera-cli scan \"" + root.string() +
           "\"' (or opening the folder in Tessera) puts it in place and keeps the damaged file";
}

}  // namespace

std::vector<ProjectLocation> ProjectStore::projectsWithMissingPhotos() {
    std::vector<ProjectLocation> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(userProjectsDir(), ec)) {
        const fs::path db = entry.path() / "project.db";
        if (!fs::is_regular_file(db, ec)) continue;
        try {
            SQLite::Database read(db.string(), SQLite::OPEN_READONLY);
            SQLite::Statement q(read, "SELECT value FROM settings WHERE key = ?");
            q.bind(1, kPhotoRootKey);
            if (!q.executeStep()) continue;
            const fs::path photoRoot = q.getColumn(0).getString();
            if (!photoRoot.empty() && !fs::exists(photoRoot, ec) && userProjectDirFor(photoRoot) == entry.path())
                out.push_back({photoRoot, entry.path(), false});
        } catch (const std::exception&) {
            continue;  // not a project, damaged, or locked: not a candidate
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.photoRoot < b.photoRoot; });
    return out;
}

ProjectStore::ProjectStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProjectStore::ProjectStore(ProjectStore&&) noexcept = default;
ProjectStore& ProjectStore::operator=(ProjectStore&&) noexcept = default;
ProjectStore::~ProjectStore() = default;

Expected<ProjectStore> ProjectStore::open(const fs::path& root, bool create) {
    auto where = locateProject(root);
    if (!where) return where.takeError();
    return open(*where, create);
}

Expected<ProjectStore> ProjectStore::open(const ProjectLocation& where, bool create) {
    std::error_code ec;
    // A project whose folder cannot be written (copied onto a DVD, on a read-only share) is worked on in a per-user
    // copy; its photo folder is never written. (A read-only project.db in a writable folder is a permission to fix:
    // opening it names the file.)
    if (where.inPhotoFolder && fs::exists(where.dataDir / "project.db", ec) && !folderIsWritable(where.dataDir)) {
        auto copy = userCopyOfProject(where);
        if (!copy) return copy.takeError();
        auto store = open(*copy, create);
        if (store) store->impl_->copiedFrom = where.dataDir;
        return store;
    }
    const fs::path& root = where.photoRoot;
    const fs::path& dataDir = where.dataDir;
    const fs::file_status dataStatus = fs::status(dataDir, ec);
    if (!fs::exists(dataStatus)) {
        if (!create)
            return makeError("'" + root.string() + "' is not a Tessera project (no .tessera folder, and no project "
                             "of it in " + userProjectsDir().string() + ")");
        const bool made = where.inPhotoFolder ? fs::create_directory(dataDir, ec) : fs::create_directories(dataDir, ec);
        if (!made && ec) return makeError("cannot create '" + dataDir.string() + "': " + fsReason(ec));
    } else if (!fs::is_directory(dataStatus)) {
        return makeError("'" + dataDir.string() + "' exists but is not a folder; cannot keep the project there");
    }

    auto impl = std::make_unique<Impl>();
    impl->root = root;
    impl->dataDir = dataDir;
    impl->inPhotoFolder = where.inPhotoFolder;
    impl->dbPath = dataDir / "project.db";
    const std::string dbName = impl->dbPath.string();
    const std::vector<fs::path> backups = databaseBackups(dataDir);
    const bool missing = !fs::exists(impl->dbPath, ec);
    if (!create && missing)
        return makeError("'" + root.string() + "' is not a Tessera project (no " + dbName + ")" +
                         (backups.empty() ? std::string() : restoreHint(backups, root)));

    // A database that is missing (with backups beside it), emptied or damaged: scan (create mode) puts the newest
    // backup in its place and keeps the damaged file; every other command refuses it and says how to restore.
    if (missing && backups.empty())
        if (Status made = createDatabase(impl->dbPath); !made) return made.takeError();
    DatabaseOpening opening = missing && !backups.empty() ? DatabaseOpening{{}, true}
                                                          : openDatabase(impl->dbPath, impl->db);
    if (opening.damaged && create && !backups.empty()) {
        impl->db.reset();
        auto keptAs = putBackupInPlace(impl->dbPath, backups.front());
        if (!keptAs) return keptAs.takeError();
        impl->restoredFrom = backups.front();
        impl->damagedKeptAs = *keptAs;
        opening = openDatabase(impl->dbPath, impl->db);
    }
    if (!opening.status.ok())
        return makeError(opening.status.error() + (opening.damaged ? restoreHint(backups, root) : std::string()));
    Status migrated = SchemaMigrator::migrate(*impl->db, dbName);
    if (!migrated.ok()) return migrated.takeError();
    try {
        impl->schemaVersion = SchemaMigrator::userVersion(*impl->db);
        if (auto st = checkRowsAreSafe(*impl->db, dbName); !st) return st.takeError();
    } catch (const SQLite::Exception& e) {
        return makeError("cannot read '" + dbName + "': " + describeSqliteError(e, impl->dbPath));
    }
    ProjectStore store(std::move(impl));
    // A failed backup (a full disk) must not stop the work; the next opening tries again.
    (void)store.backUpIfDue();
    // A project kept outside its photo folder records where the photos are (a re-pointed project, the new place).
    if (!where.inPhotoFolder) {
        auto recorded = store.setting(kPhotoRootKey);
        if (!recorded) return recorded.takeError();
        if (*recorded != root.string())
            if (auto st = store.setSetting(kPhotoRootKey, root.string()); !st) return st.takeError();
    }
    return store;
}

const fs::path& ProjectStore::root() const { return impl_->root; }
fs::path ProjectStore::dataDir() const { return impl_->dataDir; }
bool ProjectStore::inPhotoFolder() const { return impl_->inPhotoFolder; }
fs::path ProjectStore::databasePath() const { return impl_->dbPath; }
int ProjectStore::schemaVersion() const { return impl_->schemaVersion; }
std::vector<fs::path> ProjectStore::backups() const { return databaseBackups(impl_->dataDir); }
const fs::path& ProjectStore::restoredFrom() const { return impl_->restoredFrom; }
const fs::path& ProjectStore::copiedFrom() const { return impl_->copiedFrom; }

Status ProjectStore::backUpIfDue() const {
    // A healthy database with something in it gets a fresh copy when the newest is older than the interval.
    return impl_->guard<Status>("backing up", [&]() -> Status {
        if (!databaseBackupIsDue(impl_->dataDir) || isEmptyProject(*impl_->db)) return {};
        return writeDatabaseBackup(impl_->db->getHandle(), impl_->dataDir);
    });
}
const fs::path& ProjectStore::damagedKeptAs() const { return impl_->damagedKeptAs; }

Status ProjectStore::checkIntegrity() const {
    return impl_->guard<Status>("integrity check", [&]() -> Status {
        SQLite::Statement q(*impl_->db, "PRAGMA integrity_check");
        std::string result;
        while (q.executeStep()) {
            if (!result.empty()) result += "; ";
            result += q.getColumn(0).getString();
        }
        if (result != "ok") return makeError(impl_->dbName() + " is damaged: " + result);
        return {};
    });
}

// --- images ---

Expected<std::vector<ImageRecord>> ProjectStore::images() const {
    using R = Expected<std::vector<ImageRecord>>;
    return impl_->guard<R>("listing images", [&]() -> R {
        SQLite::Statement q(*impl_->db, std::string("SELECT ") + kImageColumns + " FROM images ORDER BY rel_path");
        std::vector<ImageRecord> out;
        while (q.executeStep()) out.push_back(readImage(q));
        return out;
    });
}

Expected<ImageRecord> ProjectStore::image(int64_t id) const {
    using R = Expected<ImageRecord>;
    return impl_->guard<R>("reading an image", [&]() -> R {
        SQLite::Statement q(*impl_->db, std::string("SELECT ") + kImageColumns + " FROM images WHERE id = ?");
        q.bind(1, id);
        if (!q.executeStep()) return makeError(impl_->dbName() + ": no image with id " + std::to_string(id));
        return readImage(q);
    });
}

Expected<std::optional<ImageRecord>> ProjectStore::imageByPath(const std::string& relPath) const {
    using R = Expected<std::optional<ImageRecord>>;
    return impl_->guard<R>("looking up an image", [&]() -> R {
        SQLite::Statement q(*impl_->db, std::string("SELECT ") + kImageColumns + " FROM images WHERE rel_path = ?");
        q.bind(1, relPath);
        if (!q.executeStep()) return std::optional<ImageRecord>{};
        return std::optional<ImageRecord>(readImage(q));
    });
}

Expected<std::vector<ImageRecord>> ProjectStore::imagesByHash(const std::string& contentHash) const {
    using R = Expected<std::vector<ImageRecord>>;
    return impl_->guard<R>("looking up images by hash", [&]() -> R {
        SQLite::Statement q(*impl_->db, std::string("SELECT ") + kImageColumns +
                                            " FROM images WHERE content_hash = ? ORDER BY rel_path");
        q.bind(1, contentHash);
        std::vector<ImageRecord> out;
        while (q.executeStep()) out.push_back(readImage(q));
        return out;
    });
}

namespace {

class ImageWriter {
public:
    explicit ImageWriter(SQLite::Database& db)
        : upsert_(db,
                  "INSERT INTO images (rel_path, content_hash, file_size, mtime_ns, width, height, channels, "
                  "bit_depth, format, flags, error, phash, blur, find_id, site, context) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
                  "ON CONFLICT(rel_path) DO UPDATE SET content_hash = excluded.content_hash, "
                  "file_size = excluded.file_size, mtime_ns = excluded.mtime_ns, width = excluded.width, "
                  "height = excluded.height, channels = excluded.channels, bit_depth = excluded.bit_depth, "
                  "format = excluded.format, flags = excluded.flags, error = excluded.error, "
                  "phash = excluded.phash, blur = excluded.blur, find_id = excluded.find_id, "
                  "site = excluded.site, context = excluded.context"),
          // RETURNING needs SQLite 3.35; Debian 11 has 3.34, so look the id up instead.
          lookup_(db, "SELECT id FROM images WHERE rel_path = ?") {}

    int64_t write(const ImageRecord& r) {
        upsert_.reset();
        upsert_.bind(1, r.relPath);
        upsert_.bind(2, r.contentHash);
        upsert_.bind(3, static_cast<int64_t>(r.fileSize));
        upsert_.bind(4, static_cast<int64_t>(r.mtimeNs));
        upsert_.bind(5, r.width);
        upsert_.bind(6, r.height);
        upsert_.bind(7, r.channels);
        upsert_.bind(8, r.bitDepth);
        upsert_.bind(9, r.format);
        upsert_.bind(10, static_cast<int64_t>(r.flags));
        upsert_.bind(11, r.error);
        upsert_.bind(12, static_cast<int64_t>(r.perceptualHash));
        upsert_.bind(13, r.blur);
        upsert_.bind(14, r.findId);
        upsert_.bind(15, r.site);
        upsert_.bind(16, r.context);
        upsert_.exec();
        lookup_.reset();
        lookup_.bind(1, r.relPath);
        lookup_.executeStep();
        return lookup_.getColumn(0).getInt64();
    }

private:
    SQLite::Statement upsert_;
    SQLite::Statement lookup_;
};

}  // namespace

Expected<int64_t> ProjectStore::upsertImage(const ImageRecord& record) {
    using R = Expected<int64_t>;
    if (auto problem = relPathProblem(record.relPath))
        return makeError(impl_->dbName() + ": cannot store a photo as " + *problem);
    return impl_->guard<R>("storing an image", [&]() -> R {
        auto transaction = impl_->begin();
        ImageWriter writer(*impl_->db);
        const int64_t id = writer.write(record);
        transaction.commit();
        return id;
    });
}

Status ProjectStore::upsertImages(std::vector<ImageRecord>& records) {
    for (const ImageRecord& r : records)
        if (auto problem = relPathProblem(r.relPath))
            return makeError(impl_->dbName() + ": cannot store a photo as " + *problem);
    return impl_->guard<Status>("storing images", [&]() -> Status {
        auto transaction = impl_->begin();
        ImageWriter writer(*impl_->db);
        std::vector<int64_t> ids;
        ids.reserve(records.size());
        for (const ImageRecord& r : records) ids.push_back(writer.write(r));
        transaction.commit();
        // Ids only after the commit, so a failed batch leaves `records` as it was.
        for (size_t i = 0; i < records.size(); ++i) records[i].id = ids[i];
        return {};
    });
}

Status ProjectStore::renameImage(int64_t id, const std::string& newRelPath) {
    return renameImages({{id, newRelPath}});
}

Status ProjectStore::renameImages(const std::vector<std::pair<int64_t, std::string>>& newPathById) {
    return impl_->guard<Status>("renaming images", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement clash(*impl_->db, "SELECT id FROM images WHERE rel_path = ? AND id <> ?");
        SQLite::Statement update(*impl_->db, "UPDATE images SET rel_path = ? WHERE id = ?");
        for (const auto& [id, path] : newPathById) {
            if (path.empty()) return makeError(impl_->dbName() + ": cannot rename an image to an empty path");
            clash.reset();
            clash.bind(1, path);
            clash.bind(2, id);
            if (clash.executeStep())
                return makeError(impl_->dbName() + ": cannot rename image " + std::to_string(id) + " to '" + path +
                                 "': another image already has that path");
            update.reset();
            update.bind(1, path);
            update.bind(2, id);
            if (update.exec() == 0)
                return makeError(impl_->dbName() + ": no image with id " + std::to_string(id) + " to rename");
        }
        transaction.commit();
        return {};
    });
}

Status ProjectStore::setFlags(const std::vector<std::pair<int64_t, uint32_t>>& flagsById) {
    return impl_->guard<Status>("setting image flags", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement update(*impl_->db, "UPDATE images SET flags = ? WHERE id = ?");
        for (const auto& [id, flags] : flagsById) {
            update.reset();
            update.bind(1, static_cast<int64_t>(flags));
            update.bind(2, id);
            update.exec();
        }
        transaction.commit();
        return {};
    });
}

Status ProjectStore::setFindIds(const std::vector<std::pair<int64_t, std::string>>& findIdById) {
    return impl_->guard<Status>("setting find ids", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement update(*impl_->db, "UPDATE images SET find_id = ? WHERE id = ?");
        for (const auto& [id, findId] : findIdById) {
            update.reset();
            update.bind(1, findId);
            update.bind(2, id);
            update.exec();
        }
        transaction.commit();
        return {};
    });
}

Status ProjectStore::setFindInfo(const std::vector<std::pair<int64_t, FindInfo>>& infoById) {
    return impl_->guard<Status>("setting find provenance", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement update(*impl_->db, "UPDATE images SET find_id = ?, site = ?, context = ? WHERE id = ?");
        for (const auto& [id, info] : infoById) {
            update.reset();
            update.bind(1, info.findId);
            update.bind(2, info.site);
            update.bind(3, info.context);
            update.bind(4, id);
            if (update.exec() == 0)
                return makeError(impl_->dbName() + ": no image with id " + std::to_string(id) + " to set its find on");
        }
        transaction.commit();
        return {};
    });
}

Expected<std::unordered_map<int64_t, FindInfo>> ProjectStore::findInfo() const {
    using R = Expected<std::unordered_map<int64_t, FindInfo>>;
    return impl_->guard<R>("reading find provenance", [&]() -> R {
        SQLite::Statement q(*impl_->db, "SELECT id, find_id, site, context FROM images");
        std::unordered_map<int64_t, FindInfo> out;
        while (q.executeStep())
            out.emplace(q.getColumn(0).getInt64(),
                        FindInfo{q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getString()});
        return out;
    });
}

Status ProjectStore::removeImages(const std::vector<int64_t>& ids) {
    return impl_->guard<Status>("removing images", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement remove(*impl_->db, "DELETE FROM images WHERE id = ?");
        for (int64_t id : ids) {
            remove.reset();
            remove.bind(1, id);
            remove.exec();
        }
        transaction.commit();
        return {};
    });
}

Expected<int64_t> ProjectStore::imageCount() const {
    using R = Expected<int64_t>;
    return impl_->guard<R>("counting images", [&]() -> R {
        return impl_->db->execAndGet("SELECT COUNT(*) FROM images").getInt64();
    });
}

}  // namespace tessera::project
