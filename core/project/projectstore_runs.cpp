// ProjectStore: train/validation/test splits, training runs, predictions and key/value settings.
#include "core/project/projectstore.h"
#include "core/project/projectstore_p.h"
#include "core/util/timestamp.h"

#include <nlohmann/json.hpp>

namespace tessera::project {

namespace {

const char* splitName(SplitKind kind) {
    switch (kind) {
        case SplitKind::Train: return "train";
        case SplitKind::Validation: return "val";
        case SplitKind::Test: return "test";
    }
    return "train";
}

SplitKind splitFromName(const std::string& name) {
    if (name == "val") return SplitKind::Validation;
    if (name == "test") return SplitKind::Test;
    return SplitKind::Train;
}

RunRecord readRun(SQLite::Statement& q) {
    RunRecord r;
    r.id = q.getColumn(0).getInt64();
    r.name = q.getColumn(1).getString();
    r.status = q.getColumn(2).getString();
    r.optionsJson = q.getColumn(3).getString();
    r.cardPath = q.getColumn(4).getString();
    r.modelPath = q.getColumn(5).getString();
    r.metricsJson = q.getColumn(6).getString();
    r.createdMs = q.getColumn(7).getInt64();
    r.finishedMs = q.getColumn(8).getInt64();
    r.kind = q.getColumn(9).getString();
    return r;
}

void bindRun(SQLite::Statement& q, const RunRecord& r) {
    q.bind(1, r.name);
    q.bind(2, r.status.empty() ? std::string("running") : r.status);
    q.bind(3, r.optionsJson.empty() ? std::string("{}") : r.optionsJson);
    q.bind(4, r.cardPath);
    q.bind(5, r.modelPath);
    q.bind(6, r.metricsJson.empty() ? std::string("{}") : r.metricsJson);
    q.bind(7, r.createdMs);
    q.bind(8, r.finishedMs);
    q.bind(9, r.kind.empty() ? std::string("train") : r.kind);
}

}  // namespace

Status ProjectStore::setSplits(const std::vector<std::pair<int64_t, SplitKind>>& splitById, int fold) {
    return impl_->guard<Status>("setting splits", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement clear(*impl_->db, "DELETE FROM splits WHERE fold = ?");
        clear.bind(1, fold);
        clear.exec();
        SQLite::Statement insert(*impl_->db, "INSERT OR REPLACE INTO splits (image_id, fold, kind) VALUES (?, ?, ?)");
        for (const auto& [id, kind] : splitById) {
            insert.reset();
            insert.bind(1, id);
            insert.bind(2, fold);
            insert.bind(3, splitName(kind));
            insert.exec();
        }
        transaction.commit();
        return {};
    });
}

Expected<std::unordered_map<int64_t, SplitKind>> ProjectStore::splits(int fold) const {
    using R = Expected<std::unordered_map<int64_t, SplitKind>>;
    return impl_->guard<R>("reading splits", [&]() -> R {
        SQLite::Statement q(*impl_->db, "SELECT image_id, kind FROM splits WHERE fold = ?");
        q.bind(1, fold);
        std::unordered_map<int64_t, SplitKind> out;
        while (q.executeStep()) out.emplace(q.getColumn(0).getInt64(), splitFromName(q.getColumn(1).getString()));
        return out;
    });
}

Expected<int64_t> ProjectStore::addRun(const RunRecord& runIn) {
    using R = Expected<int64_t>;
    RunRecord run = runIn;
    if (run.createdMs == 0) run.createdMs = unixMillisNow();
    return impl_->guard<R>("adding a run", [&]() -> R {
        auto transaction = impl_->begin();
        SQLite::Statement insert(*impl_->db,
                                 "INSERT INTO runs (name, status, options_json, card_path, model_path, metrics_json, "
                                 "created_ms, finished_ms, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        bindRun(insert, run);
        insert.exec();
        const int64_t id = impl_->db->getLastInsertRowid();
        transaction.commit();
        return id;
    });
}

Status ProjectStore::updateRun(const RunRecord& run) {
    return impl_->guard<Status>("updating a run", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement update(*impl_->db,
                                 "UPDATE runs SET name = ?, status = ?, options_json = ?, card_path = ?, "
                                 "model_path = ?, metrics_json = ?, "
                                 "created_ms = CASE WHEN ?7 = 0 THEN created_ms ELSE ?7 END, finished_ms = ?8, "
                                 "kind = ?9 WHERE id = ?10");
        bindRun(update, run);
        update.bind(10, run.id);
        if (update.exec() == 0) return makeError(impl_->dbName() + ": no run with id " + std::to_string(run.id));
        transaction.commit();
        return {};
    });
}

Expected<std::vector<RunRecord>> ProjectStore::runs() const {
    using R = Expected<std::vector<RunRecord>>;
    return impl_->guard<R>("listing runs", [&]() -> R {
        SQLite::Statement q(*impl_->db,
                            "SELECT id, name, status, options_json, card_path, model_path, metrics_json, created_ms, "
                            "finished_ms, kind FROM runs ORDER BY id");
        std::vector<RunRecord> out;
        while (q.executeStep()) out.push_back(readRun(q));
        return out;
    });
}

namespace {
std::string topToJson(const std::vector<ClassScore>& top) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& c : top) j.push_back({{"class", c.className}, {"p", c.probability}});
    return j.dump();
}

std::vector<ClassScore> topFromJson(const std::string& text) {
    std::vector<ClassScore> top;
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_array()) return top;
    for (const auto& e : j) {
        if (!e.is_object() || !e.contains("class") || !e.contains("p")) return {};
        if (!e["class"].is_string() || !e["p"].is_number()) return {};
        top.push_back({e["class"].get<std::string>(), e["p"].get<double>()});
    }
    return top;
}

void insertPredictions(SQLite::Database& db, const std::vector<PredictionRecord>& predictions) {
    SQLite::Statement insert(db,
                             "INSERT OR REPLACE INTO predictions (image_id, run_id, class_id, confidence, top_json) "
                             "VALUES (?, ?, ?, ?, ?)");
    for (const PredictionRecord& p : predictions) {
        insert.reset();
        insert.bind(1, p.imageId);
        insert.bind(2, p.runId);
        if (p.classId == 0) insert.bind(3);  // NULL: no class (e.g. removed since)
        else insert.bind(3, p.classId);
        insert.bind(4, p.confidence);
        insert.bind(5, topToJson(p.top));
        insert.exec();
    }
}
}  // namespace

Status ProjectStore::putPredictions(const std::vector<PredictionRecord>& predictions) {
    return impl_->guard<Status>("storing predictions", [&]() -> Status {
        auto transaction = impl_->begin();
        insertPredictions(*impl_->db, predictions);
        transaction.commit();
        return {};
    });
}

Status ProjectStore::replacePredictions(int64_t runId, const std::vector<PredictionRecord>& predictions) {
    return impl_->guard<Status>("replacing predictions", [&]() -> Status {
        for (const PredictionRecord& p : predictions)
            if (p.runId != runId)
                return makeError(impl_->dbName() + ": a prediction for run " + std::to_string(p.runId) +
                                 " given while replacing run " + std::to_string(runId));
        auto transaction = impl_->begin();
        SQLite::Statement erase(*impl_->db, "DELETE FROM predictions WHERE run_id = ?");
        erase.bind(1, runId);
        erase.exec();
        insertPredictions(*impl_->db, predictions);
        transaction.commit();
        return {};
    });
}

Expected<int64_t> ProjectStore::latestPredictionRun() const {
    using R = Expected<int64_t>;
    return impl_->guard<R>("finding the latest predictions", [&]() -> R {
        SQLite::Statement q(*impl_->db, "SELECT MAX(run_id) FROM predictions");
        if (!q.executeStep() || q.getColumn(0).isNull()) return int64_t(0);
        return q.getColumn(0).getInt64();
    });
}

Expected<std::vector<PredictionRecord>> ProjectStore::predictions(int64_t runId) const {
    using R = Expected<std::vector<PredictionRecord>>;
    return impl_->guard<R>("reading predictions", [&]() -> R {
        SQLite::Statement q(*impl_->db,
                            "SELECT image_id, run_id, class_id, confidence, top_json FROM predictions "
                            "WHERE run_id = ? ORDER BY image_id");
        q.bind(1, runId);
        std::vector<PredictionRecord> out;
        while (q.executeStep()) {
            PredictionRecord p;
            p.imageId = q.getColumn(0).getInt64();
            p.runId = q.getColumn(1).getInt64();
            p.classId = q.getColumn(2).isNull() ? 0 : q.getColumn(2).getInt64();
            p.confidence = q.getColumn(3).getDouble();
            p.top = topFromJson(q.getColumn(4).getString());
            out.push_back(std::move(p));
        }
        return out;
    });
}

Status ProjectStore::setSetting(const std::string& key, const std::string& value) {
    return impl_->guard<Status>("storing a setting", [&]() -> Status {
        auto transaction = impl_->begin();
        SQLite::Statement upsert(*impl_->db, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)");
        upsert.bind(1, key);
        upsert.bind(2, value);
        upsert.exec();
        transaction.commit();
        return {};
    });
}

Expected<std::optional<std::string>> ProjectStore::setting(const std::string& key) const {
    using R = Expected<std::optional<std::string>>;
    return impl_->guard<R>("reading a setting", [&]() -> R {
        SQLite::Statement q(*impl_->db, "SELECT value FROM settings WHERE key = ?");
        q.bind(1, key);
        if (!q.executeStep()) return std::optional<std::string>{};
        return std::optional<std::string>(q.getColumn(0).getString());
    });
}

namespace {
constexpr const char* kActiveModelKey = "active_model";
}

Expected<std::optional<std::filesystem::path>> ProjectStore::activeModel() const {
    auto value = setting(kActiveModelKey);
    if (!value) return value.takeError();
    if (!*value || (*value)->empty()) return std::optional<std::filesystem::path>{};
    return std::optional<std::filesystem::path>(dataDir() / **value);
}

Status ProjectStore::setActiveModel(const std::filesystem::path& bundle) {
    const std::filesystem::path relative = bundle.is_absolute() ? bundle.lexically_relative(dataDir()) : bundle;
    if (relative.empty() || *relative.begin() == "..")
        return makeError(bundle.string() + ": the active model must be a bundle inside the project's " +
                         dataDir().string());
    return setSetting(kActiveModelKey, relative.generic_string());
}

Expected<bool> ProjectStore::adoptAsActiveModelIfNone(const std::filesystem::path& bundle) {
    auto current = activeModel();
    if (!current) return current.takeError();
    std::error_code ec;
    if (*current && std::filesystem::exists(**current, ec)) return false;
    if (auto st = setActiveModel(bundle); !st) return st.takeError();
    return true;
}

}  // namespace tessera::project
