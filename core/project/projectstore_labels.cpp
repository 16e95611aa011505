// ProjectStore: classes and labels. Each public call is one committed transaction.
#include <array>
#include <cctype>
#include <set>

#include "core/project/projectstore.h"
#include "core/project/projectstore_p.h"
#include "core/util/timestamp.h"
#include "core/util/text.h"

namespace tessera::project {

namespace {

// Distinct, colour-blind-friendly hues (Tableau 10 plus two); a new class takes the first one not in use.
constexpr std::array<const char*, 12> kPalette = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                                                  "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#17becf", "#bcbd22"};

std::string trimmed(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

// The longest class name: a typology's full label ("Terra sigillata, Dragendorff 37, decorated") fits many times.
constexpr size_t kMaxClassNameBytes = 200;

// Why `name` (trimmed) cannot be a class: empty, not UTF-8, a control character, too long.
std::optional<std::string> classNameProblem(const std::string& name) {
    if (name.empty()) return std::string("a class needs a name");
    if (auto problem = nameProblem(name, kMaxClassNameBytes)) return "class name " + *problem;
    return std::nullopt;
}

// A label's columns, and whether it is disputed, as readLabel and labels() select them.
constexpr const char* kSelectLabel =
    "SELECT l.image_id, l.class_id, l.source, l.time_ms, d.image_id IS NOT NULL FROM labels l "
    "LEFT JOIN disputes d ON d.image_id = l.image_id";

Label labelFromRow(SQLite::Statement& q) {
    Label l;
    l.imageId = q.getColumn(0).getInt64();
    l.classId = q.getColumn(1).getInt64();
    if (!labelSourceFromString(q.getColumn(2).getString(), &l.source)) l.source = LabelSource::Manual;
    l.timeMs = q.getColumn(3).getInt64();
    l.disputed = q.getColumn(4).getInt() != 0;
    return l;
}

std::optional<Label> readLabel(SQLite::Database& db, int64_t imageId) {
    SQLite::Statement q(db, std::string(kSelectLabel) + " WHERE l.image_id = ?");
    q.bind(1, imageId);
    if (!q.executeStep()) return std::nullopt;
    return labelFromRow(q);
}

// A dispute belongs to a label: it goes with it, and an undo that puts a label back puts its dispute back.
void writeDisputed(SQLite::Database& db, int64_t imageId, bool disputed, int64_t timeMs) {
    SQLite::Statement write(db, disputed ? "INSERT OR IGNORE INTO disputes (image_id, time_ms) VALUES (?, ?)"
                                         : "DELETE FROM disputes WHERE image_id = ?");
    write.bind(1, imageId);
    if (disputed) write.bind(2, timeMs);
    write.exec();
}

bool rowExists(SQLite::Database& db, const char* table, int64_t id) {
    SQLite::Statement q(db, std::string("SELECT 1 FROM ") + table + " WHERE id = ?");
    q.bind(1, id);
    return q.executeStep();
}

void writeLabel(SQLite::Statement& upsert, int64_t imageId, int64_t classId, LabelSource source, int64_t timeMs) {
    upsert.reset();
    upsert.bind(1, imageId);
    upsert.bind(2, classId);
    upsert.bind(3, toString(source));
    upsert.bind(4, timeMs);
    upsert.exec();
}

const char* kUpsertLabel =
    "INSERT INTO labels (image_id, class_id, source, time_ms) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(image_id) DO UPDATE SET class_id = excluded.class_id, source = excluded.source, "
    "time_ms = excluded.time_ms";

}  // namespace

// --- classes ---

Expected<std::vector<ClassInfo>> ProjectStore::classes() const {
    using R = Expected<std::vector<ClassInfo>>;
    return impl_->guard<R>("listing classes", [&]() -> R {
        SQLite::Statement q(*impl_->db, "SELECT id, name, color, key, ord FROM classes ORDER BY ord, id");
        std::vector<ClassInfo> out;
        while (q.executeStep()) {
            ClassInfo c;
            c.id = q.getColumn(0).getInt64();
            c.name = q.getColumn(1).getString();
            c.color = q.getColumn(2).getString();
            c.key = q.getColumn(3).getInt();
            c.order = q.getColumn(4).getInt();
            out.push_back(std::move(c));
        }
        return out;
    });
}

Expected<int64_t> ProjectStore::addClass(const std::string& nameIn) {
    using R = Expected<int64_t>;
    const std::string name = trimmed(nameIn);
    if (auto problem = classNameProblem(name)) return makeError(impl_->dbName() + ": " + *problem);
    return impl_->guard<R>("adding a class", [&]() -> R {
        auto transaction = impl_->begin();
        SQLite::Database& db = *impl_->db;
        SQLite::Statement same(db, "SELECT 1 FROM classes WHERE name = ?");
        same.bind(1, name);
        if (same.executeStep()) return makeError(impl_->dbName() + ": a class named '" + name + "' already exists");

        std::set<int> keys;
        std::set<std::string> colors;
        int maxOrder = -1;
        int64_t count = 0;
        SQLite::Statement all(db, "SELECT key, color, ord FROM classes");
        while (all.executeStep()) {
            keys.insert(all.getColumn(0).getInt());
            colors.insert(all.getColumn(1).getString());
            maxOrder = std::max(maxOrder, all.getColumn(2).getInt());
            ++count;
        }
        int key = 0;
        for (int k = 1; k <= 9 && key == 0; ++k)
            if (!keys.count(k)) key = k;
        std::string color = kPalette[static_cast<size_t>(count) % kPalette.size()];  // all used: cycle
        for (const char* c : kPalette)
            if (!colors.count(c)) {
                color = c;
                break;
            }
        SQLite::Statement insert(db, "INSERT INTO classes (name, color, key, ord) VALUES (?, ?, ?, ?)");
        insert.bind(1, name);
        insert.bind(2, color);
        insert.bind(3, key);
        insert.bind(4, maxOrder + 1);
        insert.exec();
        const int64_t id = db.getLastInsertRowid();
        transaction.commit();
        return id;
    });
}

Expected<int64_t> ProjectStore::ensureClass(const std::string& nameIn) {
    using R = Expected<int64_t>;
    const std::string name = trimmed(nameIn);
    auto existing = impl_->guard<R>("looking up a class", [&]() -> R {
        SQLite::Statement q(*impl_->db, "SELECT id FROM classes WHERE name = ?");
        q.bind(1, name);
        return q.executeStep() ? q.getColumn(0).getInt64() : int64_t(0);
    });
    if (!existing.ok() || existing.value() != 0) return existing;
    return addClass(name);
}

Status ProjectStore::renameClass(int64_t classId, const std::string& newNameIn) {
    const std::string name = trimmed(newNameIn);
    if (auto problem = classNameProblem(name)) return makeError(impl_->dbName() + ": " + *problem);
    return impl_->guard<Status>("renaming a class", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement same(*impl_->db, "SELECT 1 FROM classes WHERE name = ? AND id <> ?");
        same.bind(1, name);
        same.bind(2, classId);
        if (same.executeStep()) return makeError(impl_->dbName() + ": a class named '" + name + "' already exists");
        SQLite::Statement update(*impl_->db, "UPDATE classes SET name = ? WHERE id = ?");
        update.bind(1, name);
        update.bind(2, classId);
        if (update.exec() == 0) return makeError(impl_->dbName() + ": no class with id " + std::to_string(classId));
        transaction.commit();
        return {};
    });
}

Status ProjectStore::setClassKey(int64_t classId, int key) {
    if (key < 0 || key > 9)
        return makeError(impl_->dbName() + ": class key must be 1..9 (or 0 for none), not " + std::to_string(key));
    return impl_->guard<Status>("setting a class key", [&]() -> Status {
        auto transaction = impl_->begin();
        if (!rowExists(*impl_->db, "classes", classId))
            return makeError(impl_->dbName() + ": no class with id " + std::to_string(classId));
        if (key != 0) {  // a key names one class: take it from whoever had it
            SQLite::Statement clear(*impl_->db, "UPDATE classes SET key = 0 WHERE key = ? AND id <> ?");
            clear.bind(1, key);
            clear.bind(2, classId);
            clear.exec();
        }
        SQLite::Statement update(*impl_->db, "UPDATE classes SET key = ? WHERE id = ?");
        update.bind(1, key);
        update.bind(2, classId);
        update.exec();
        transaction.commit();
        return {};
    });
}

Status ProjectStore::setClassColor(int64_t classId, const std::string& colorIn) {
    std::string color = trimmed(colorIn);
    bool valid = color.size() == 7 && color[0] == '#';
    for (size_t i = 1; valid && i < color.size(); ++i) {
        valid = std::isxdigit(static_cast<unsigned char>(color[i])) != 0;
        color[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(color[i])));
    }
    if (!valid) return makeError(impl_->dbName() + ": class colour must look like #rrggbb, not '" + colorIn + "'");
    return impl_->guard<Status>("setting a class colour", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement update(*impl_->db, "UPDATE classes SET color = ? WHERE id = ?");
        update.bind(1, color);
        update.bind(2, classId);
        if (update.exec() == 0) return makeError(impl_->dbName() + ": no class with id " + std::to_string(classId));
        transaction.commit();
        return {};
    });
}

Status ProjectStore::mergeClasses(int64_t fromClassId, int64_t intoClassId) {
    if (fromClassId == intoClassId) return makeError(impl_->dbName() + ": cannot merge a class into itself");
    return impl_->guard<Status>("merging classes", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Database& db = *impl_->db;
        for (int64_t id : {fromClassId, intoClassId})
            if (!rowExists(db, "classes", id))
                return makeError(impl_->dbName() + ": no class with id " + std::to_string(id));
        SQLite::Statement moveLabels(db, "UPDATE labels SET class_id = ? WHERE class_id = ?");
        moveLabels.bind(1, intoClassId);
        moveLabels.bind(2, fromClassId);
        moveLabels.exec();
        SQLite::Statement movePredictions(db, "UPDATE predictions SET class_id = ? WHERE class_id = ?");
        movePredictions.bind(1, intoClassId);
        movePredictions.bind(2, fromClassId);
        movePredictions.exec();
        // The merged class keeps the user's key for `from` when `into` had none (read it before the delete).
        SQLite::Statement fromKey(db, "SELECT key FROM classes WHERE id = ?");
        fromKey.bind(1, fromClassId);
        fromKey.executeStep();
        const int key = fromKey.getColumn(0).getInt();
        fromKey.reset();
        SQLite::Statement remove(db, "DELETE FROM classes WHERE id = ?");
        remove.bind(1, fromClassId);
        remove.exec();
        if (key != 0) {
            SQLite::Statement setKey(db, "UPDATE classes SET key = ? WHERE id = ? AND key = 0");
            setKey.bind(1, key);
            setKey.bind(2, intoClassId);
            setKey.exec();
        }
        transaction.commit();
        return {};
    });
}

Status ProjectStore::removeClass(int64_t classId) {
    return impl_->guard<Status>("removing a class", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement disputes(*impl_->db, "DELETE FROM disputes WHERE image_id IN "
                                               "(SELECT image_id FROM labels WHERE class_id = ?)");
        disputes.bind(1, classId);
        disputes.exec();
        SQLite::Statement labels(*impl_->db, "DELETE FROM labels WHERE class_id = ?");
        labels.bind(1, classId);
        labels.exec();
        SQLite::Statement remove(*impl_->db, "DELETE FROM classes WHERE id = ?");
        remove.bind(1, classId);
        if (remove.exec() == 0) return makeError(impl_->dbName() + ": no class with id " + std::to_string(classId));
        transaction.commit();
        return {};
    });
}

// --- labels ---

Expected<std::optional<Label>> ProjectStore::setLabel(int64_t imageId, int64_t classId, LabelSource source) {
    using R = Expected<std::optional<Label>>;
    return impl_->guard<R>("setting a label", [&]() -> R {
        auto transaction = impl_->begin();
        SQLite::Database& db = *impl_->db;
        if (!rowExists(db, "images", imageId))
            return makeError(impl_->dbName() + ": no image with id " + std::to_string(imageId));
        if (!rowExists(db, "classes", classId))
            return makeError(impl_->dbName() + ": no class with id " + std::to_string(classId));
        std::optional<Label> previous = readLabel(db, imageId);
        SQLite::Statement upsert(db, kUpsertLabel);
        writeLabel(upsert, imageId, classId, source, unixMillisNow());
        transaction.commit();
        return previous;
    });
}

Expected<std::optional<Label>> ProjectStore::clearLabel(int64_t imageId) {
    using R = Expected<std::optional<Label>>;
    return impl_->guard<R>("clearing a label", [&]() -> R {
        auto transaction = impl_->begin();
        std::optional<Label> previous = readLabel(*impl_->db, imageId);
        SQLite::Statement remove(*impl_->db, "DELETE FROM labels WHERE image_id = ?");
        remove.bind(1, imageId);
        remove.exec();
        writeDisputed(*impl_->db, imageId, false, 0);
        transaction.commit();
        return previous;
    });
}

Status ProjectStore::restoreLabel(int64_t imageId, const std::optional<Label>& previous) {
    return impl_->guard<Status>("restoring a label", [&]() -> Status {
        auto transaction = impl_->begin();
        if (previous) {
            SQLite::Statement upsert(*impl_->db, kUpsertLabel);
            writeLabel(upsert, imageId, previous->classId, previous->source, previous->timeMs);
        } else {
            SQLite::Statement remove(*impl_->db, "DELETE FROM labels WHERE image_id = ?");
            remove.bind(1, imageId);
            remove.exec();
        }
        writeDisputed(*impl_->db, imageId, previous && previous->disputed, unixMillisNow());
        transaction.commit();
        return {};
    });
}

Expected<std::vector<std::optional<Label>>> ProjectStore::setLabels(const std::vector<int64_t>& imageIds,
                                                                    int64_t classId, LabelSource source) {
    using R = Expected<std::vector<std::optional<Label>>>;
    return impl_->guard<R>("setting labels", [&]() -> R {
        auto transaction = impl_->begin();
        SQLite::Database& db = *impl_->db;
        if (!rowExists(db, "classes", classId))
            return makeError(impl_->dbName() + ": no class with id " + std::to_string(classId));
        SQLite::Statement upsert(db, kUpsertLabel);
        std::vector<std::optional<Label>> previous;
        previous.reserve(imageIds.size());
        const int64_t now = unixMillisNow();
        for (int64_t imageId : imageIds) {
            if (!rowExists(db, "images", imageId))
                return makeError(impl_->dbName() + ": no image with id " + std::to_string(imageId));
            previous.push_back(readLabel(db, imageId));
            writeLabel(upsert, imageId, classId, source, now);
        }
        transaction.commit();
        return previous;
    });
}

Expected<int64_t> ProjectStore::assignLabels(const std::vector<std::pair<int64_t, int64_t>>& classByImageId,
                                             LabelSource source, bool onlyUnlabelled) {
    using R = Expected<int64_t>;
    return impl_->guard<R>("assigning labels", [&]() -> R {
        auto transaction = impl_->begin();
        SQLite::Database& db = *impl_->db;
        SQLite::Statement upsert(db, onlyUnlabelled ? "INSERT OR IGNORE INTO labels (image_id, class_id, source, "
                                                      "time_ms) VALUES (?, ?, ?, ?)"
                                                    : kUpsertLabel);
        int64_t applied = 0;
        const int64_t now = unixMillisNow();
        for (const auto& [imageId, classId] : classByImageId) {
            upsert.reset();
            upsert.bind(1, imageId);
            upsert.bind(2, classId);
            upsert.bind(3, toString(source));
            upsert.bind(4, now);
            applied += upsert.exec();
        }
        transaction.commit();
        return applied;
    });
}

Expected<std::optional<Label>> ProjectStore::label(int64_t imageId) const {
    using R = Expected<std::optional<Label>>;
    return impl_->guard<R>("reading a label", [&]() -> R { return readLabel(*impl_->db, imageId); });
}

Expected<std::vector<Label>> ProjectStore::labels() const {
    using R = Expected<std::vector<Label>>;
    return impl_->guard<R>("listing labels", [&]() -> R {
        SQLite::Statement q(*impl_->db, std::string(kSelectLabel) + " ORDER BY l.image_id");
        std::vector<Label> out;
        while (q.executeStep()) out.push_back(labelFromRow(q));
        return out;
    });
}

Status ProjectStore::readConsistently(const std::function<Status()>& reads) const {
    return impl_->guard<Status>("reading", [&]() -> Status {
        SQLite::Database& db = *impl_->db;
        // DEFERRED: the snapshot is taken at the first read and held until COMMIT, which for a transaction that
        // wrote nothing only ends it. WAL lets another program commit meanwhile; this connection does not see it.
        db.exec("BEGIN DEFERRED");
        Status result;
        try {
            result = reads();
        } catch (...) {
            db.exec("ROLLBACK");
            throw;
        }
        db.exec("COMMIT");
        return result;
    });
}

Expected<LabelSnapshot> ProjectStore::labelSnapshot() const {
    LabelSnapshot snapshot;
    const Status read = readConsistently([&]() -> Status {
        auto images = this->images();
        if (!images) return images.takeError();
        auto classes = this->classes();
        if (!classes) return classes.takeError();
        auto labels = this->labels();
        if (!labels) return labels.takeError();
        snapshot.images = std::move(*images);
        snapshot.classes = std::move(*classes);
        snapshot.labels = std::move(*labels);
        return {};
    });
    if (!read) return read.takeError();
    return snapshot;
}

std::unordered_map<int64_t, int64_t> LabelSnapshot::classByImage() const {
    std::unordered_map<int64_t, int64_t> out;
    out.reserve(labels.size());
    for (const auto& l : labels) out.emplace(l.imageId, l.classId);
    return out;
}

std::unordered_set<int64_t> LabelSnapshot::disputedImages() const {
    std::unordered_set<int64_t> out;
    for (const auto& l : labels)
        if (l.disputed) out.insert(l.imageId);
    return out;
}

Expected<std::vector<int64_t>> ProjectStore::setDisputed(const std::vector<int64_t>& imageIds, bool disputed) {
    using R = Expected<std::vector<int64_t>>;
    return impl_->guard<R>(disputed ? "marking labels as disputed" : "clearing disputes", [&]() -> R {
        auto transaction = impl_->begin();
        SQLite::Database& db = *impl_->db;
        // Only a label can be disputed: an unlabelled photo is passed over (it does not change).
        SQLite::Statement write(db, disputed ? "INSERT OR IGNORE INTO disputes (image_id, time_ms) "
                                               "SELECT image_id, ? FROM labels WHERE image_id = ?"
                                             : "DELETE FROM disputes WHERE image_id = ?");
        const int64_t now = unixMillisNow();
        std::vector<int64_t> changed;
        for (const int64_t id : imageIds) {
            if (!rowExists(db, "images", id))
                return makeError(impl_->dbName() + ": no image with id " + std::to_string(id));
            write.reset();
            if (disputed) {
                write.bind(1, now);
                write.bind(2, id);
            } else {
                write.bind(1, id);
            }
            if (write.exec() > 0) changed.push_back(id);
        }
        transaction.commit();
        return changed;
    });
}

Expected<std::unordered_set<int64_t>> ProjectStore::disputedImages() const {
    using R = Expected<std::unordered_set<int64_t>>;
    return impl_->guard<R>("listing disputed labels", [&]() -> R {
        SQLite::Statement q(*impl_->db, "SELECT d.image_id FROM disputes d JOIN labels l ON l.image_id = d.image_id");
        std::unordered_set<int64_t> out;
        while (q.executeStep()) out.insert(q.getColumn(0).getInt64());
        return out;
    });
}

Status ProjectStore::replaceLabelIssues(const std::vector<LabelIssueRecord>& issues) {
    return impl_->guard<Status>("storing the label check", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Database& db = *impl_->db;
        db.exec("DELETE FROM label_issues");
        SQLite::Statement insert(db, "INSERT OR REPLACE INTO label_issues (image_id, class_id, suggested_class_id, "
                                     "self_confidence, time_ms) VALUES (?, ?, ?, ?, ?)");
        for (const auto& issue : issues) {
            if (!rowExists(db, "images", issue.imageId))
                return makeError(impl_->dbName() + ": no image with id " + std::to_string(issue.imageId));
            insert.reset();
            insert.bind(1, issue.imageId);
            insert.bind(2, issue.classId);
            insert.bind(3, issue.suggestedClassId);
            insert.bind(4, issue.selfConfidence);
            insert.bind(5, issue.timeMs);
            insert.exec();
        }
        transaction.commit();
        return {};
    });
}

Expected<std::vector<LabelIssueRecord>> ProjectStore::labelIssues() const {
    using R = Expected<std::vector<LabelIssueRecord>>;
    return impl_->guard<R>("reading the label check", [&]() -> R {
        SQLite::Statement q(*impl_->db,
                            "SELECT i.image_id, i.class_id, i.suggested_class_id, i.self_confidence, i.time_ms "
                            "FROM label_issues i JOIN labels l ON l.image_id = i.image_id AND l.class_id = i.class_id "
                            "WHERE l.source <> ? AND NOT EXISTS (SELECT 1 FROM disputes d WHERE d.image_id = i.image_id) "
                            "ORDER BY i.self_confidence, i.image_id");
        q.bind(1, toString(LabelSource::Confirmed));
        std::vector<LabelIssueRecord> out;
        while (q.executeStep()) {
            LabelIssueRecord r;
            r.imageId = q.getColumn(0).getInt64();
            r.classId = q.getColumn(1).getInt64();
            r.suggestedClassId = q.getColumn(2).getInt64();
            r.selfConfidence = q.getColumn(3).getDouble();
            r.timeMs = q.getColumn(4).getInt64();
            out.push_back(r);
        }
        return out;
    });
}

Expected<std::unordered_map<int64_t, int64_t>> ProjectStore::classByImage() const {
    using R = Expected<std::unordered_map<int64_t, int64_t>>;
    return impl_->guard<R>("listing labels", [&]() -> R {
        SQLite::Statement q(*impl_->db, "SELECT image_id, class_id FROM labels");
        std::unordered_map<int64_t, int64_t> out;
        while (q.executeStep()) out.emplace(q.getColumn(0).getInt64(), q.getColumn(1).getInt64());
        return out;
    });
}

}  // namespace tessera::project
