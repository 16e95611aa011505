#pragma once
// The project document on disk: <data>/project.db (SQLite, WAL), where <data> is <root>/.tessera or, for a photo
// folder Tessera may not write to, a per-user folder (projectlocation.h). Every mutating call is its own committed
// transaction, so a killed process loses nothing it was told had succeeded. Tessera never writes or moves the images.
// One ProjectStore per thread: open another one on a worker thread (WAL allows readers beside the one writer).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/project/imagerecord.h"
#include "core/project/projectlocation.h"
#include "core/util/expected.h"

namespace tessera::project {

struct RunRecord {
    int64_t id = 0;
    std::string name;
    std::string status;       // "running", "finished", "cancelled", "failed"
    std::string optionsJson;  // the options the run was started with
    std::string cardPath;     // run card JSON, relative to <root>/.tessera
    std::string modelPath;    // model bundle, relative to <root>/.tessera
    std::string metricsJson;  // final metrics summary
    int64_t createdMs = 0;
    int64_t finishedMs = 0;
    std::string kind = "train";  // "train", "quick model", "predict" (schema v2)
};

struct ClassScore {
    std::string className;
    double probability = 0.0;
};

struct PredictionRecord {
    int64_t imageId = 0;
    int64_t runId = 0;
    int64_t classId = 0;          // top-1
    double confidence = 0.0;      // top-1 probability
    std::vector<ClassScore> top;  // the top-k classes, most probable first (stored as JSON [{"class", "p"}, ...];
                                  // a stored value that is not such a list reads as empty)
};

enum class SplitKind { Train, Validation, Test };

// The photos, classes and labels of a project read in one snapshot (ProjectStore::labelSnapshot): what training,
// statistics and exports start from, so that a label never names a class the same read does not have.
struct LabelSnapshot {
    std::vector<ImageRecord> images;  // ordered by relPath
    std::vector<ClassInfo> classes;   // ordered by `order`
    std::vector<Label> labels;        // ordered by image id

    std::unordered_map<int64_t, int64_t> classByImage() const;  // imageId -> classId
    std::unordered_set<int64_t> disputedImages() const;
};

class ProjectStore {
public:
    static constexpr int kSchemaVersion = 4;

    // Opens the project of the photo folder `root`, wherever it is (locateProject): with create=true, makes the data
    // folder and the database when missing, in <root>/.tessera when the folder can be written, else per user.
    // Migrates older schemas forward; refuses a database from a newer Tessera with a clear message.
    // A read-only folder or database gives an error naming the path, never a crash.
    static Expected<ProjectStore> open(const std::filesystem::path& root, bool create = true);
    static Expected<ProjectStore> open(const ProjectLocation& where, bool create = true);
    static constexpr const char* kPhotoRootKey = "photo_root";  // setting of a project kept outside its photos
    // The per-user projects (in userProjectsDir()) whose recorded photo folder no longer exists: photos that were
    // moved or renamed, whose project repointUserProject can take along. photoRoot is the recorded, old folder.
    // Read without changing anything; folders that are not readable projects are left out.
    static std::vector<ProjectLocation> projectsWithMissingPhotos();

    ProjectStore(ProjectStore&&) noexcept;
    ProjectStore& operator=(ProjectStore&&) noexcept;
    ~ProjectStore();

    const std::filesystem::path& root() const;
    std::filesystem::path dataDir() const;  // <root>/.tessera or per user (caches, runs, models live here)
    bool inPhotoFolder() const;              // dataDir() is <root>/.tessera
    int schemaVersion() const;
    std::filesystem::path databasePath() const;  // <data>/project.db
    Status checkIntegrity() const;                // PRAGMA integrity_check; the error lists what is damaged
    // Opening keeps a few rotating copies of the database (<data>/backups, newest first; see projectbackup.h).
    // Opening with create=true found the database missing, emptied or damaged and put the newest backup in its
    // place: the backup used, and where the damaged file was kept ("" when there was none). Empty otherwise.
    std::vector<std::filesystem::path> backups() const;
    Status backUpIfDue() const;  // what opening does; the GUI also calls it when a project is closed
    const std::filesystem::path& restoredFrom() const;
    const std::filesystem::path& damagedKeptAs() const;
    // The read-only project data (<root>/.tessera on a DVD or a read-only share) that this opening found in the
    // photo folder and worked on in a per-user copy (userCopyOfProject): dataDir() is that copy. Empty otherwise,
    // also for later openings, which find the copy directly.
    const std::filesystem::path& copiedFrom() const;

    // --- images ---
    Expected<std::vector<ImageRecord>> images() const;  // ordered by relPath
    Expected<ImageRecord> image(int64_t id) const;
    Expected<std::optional<ImageRecord>> imageByPath(const std::string& relPath) const;
    Expected<std::vector<ImageRecord>> imagesByHash(const std::string& contentHash) const;
    Expected<int64_t> upsertImage(const ImageRecord& record);  // keyed by relPath; returns the id
    // Batch upsert in one transaction (scanner); ids are written back into `records`.
    Status upsertImages(std::vector<ImageRecord>& records);
    Status renameImage(int64_t id, const std::string& newRelPath);  // label and history follow the row
    Status renameImages(const std::vector<std::pair<int64_t, std::string>>& newPathById);  // one transaction
    Status removeImages(const std::vector<int64_t>& ids);  // forgets rows (labels, splits, predictions cascade)
    Status setFlags(const std::vector<std::pair<int64_t, uint32_t>>& flagsById);
    Status setFindIds(const std::vector<std::pair<int64_t, std::string>>& findIdById);
    // Find id, site and context of many images in one transaction (CSV or file-name pattern import).
    Status setFindInfo(const std::vector<std::pair<int64_t, FindInfo>>& infoById);
    Expected<std::unordered_map<int64_t, FindInfo>> findInfo() const;  // imageId -> provenance, every image
    Expected<int64_t> imageCount() const;

    // --- classes ---
    Expected<std::vector<ClassInfo>> classes() const;  // ordered by `order`
    // Adds a class with the next free key (1..9, else 0), a distinct colour and the last order.
    // Fails if the name is empty or already used.
    Expected<int64_t> addClass(const std::string& name);
    Expected<int64_t> ensureClass(const std::string& name);  // existing id or a new class
    Status renameClass(int64_t classId, const std::string& newName);
    Status setClassKey(int64_t classId, int key);
    Status setClassColor(int64_t classId, const std::string& color);
    Status mergeClasses(int64_t fromClassId, int64_t intoClassId);  // relabels, then removes `from`
    Status removeClass(int64_t classId);                            // removes its labels too

    // --- labels (each call one committed transaction) ---
    // Returns the label the image had before (for undo); nullopt when it had none.
    Expected<std::optional<Label>> setLabel(int64_t imageId, int64_t classId,
                                            LabelSource source = LabelSource::Manual);
    Expected<std::optional<Label>> clearLabel(int64_t imageId);
    // Puts back exactly a previous state (label with its source and time, or none): the undo path.
    Status restoreLabel(int64_t imageId, const std::optional<Label>& previous);
    // Bulk assign in one transaction; returns the previous labels in the same order as imageIds.
    Expected<std::vector<std::optional<Label>>> setLabels(const std::vector<int64_t>& imageIds, int64_t classId,
                                                          LabelSource source = LabelSource::Manual);
    // Many images, each with its own class, in one transaction (CSV import, folder classes). With onlyUnlabelled,
    // images that already carry a label keep it. Returns how many labels were written.
    Expected<int64_t> assignLabels(const std::vector<std::pair<int64_t, int64_t>>& classByImageId,
                                   LabelSource source, bool onlyUnlabelled = false);
    Expected<std::optional<Label>> label(int64_t imageId) const;
    Expected<std::vector<Label>> labels() const;

    // Runs `reads` (reads of this store only, no writes) in one SQLite read transaction: every read inside sees the
    // project as it was at the first one, whatever another program commits meanwhile (photos, classes and labels
    // read one after another always belong together). Returns what `reads` returns.
    Status readConsistently(const std::function<Status()>& reads) const;
    // images(), classes() and labels() in one readConsistently.
    Expected<LabelSnapshot> labelSnapshot() const;
    Expected<std::unordered_map<int64_t, int64_t>> classByImage() const;  // imageId -> classId

    // --- disputed labels (schema v3): the photo keeps its label; training and evaluation leave it out ---
    // Marks or clears, in one transaction; returns the ids whose state changed (what an undo puts back). An id that
    // is not a photo of the project is an error, and nothing changes; an unlabelled photo is passed over. A dispute
    // belongs to its label: a new class keeps it, clearing the label (or removing its class) clears it, and
    // restoreLabel puts back the state that Label::disputed records.
    Expected<std::vector<int64_t>> setDisputed(const std::vector<int64_t>& imageIds, bool disputed);
    Expected<std::unordered_set<int64_t>> disputedImages() const;

    // --- the label check's flagged photos (schema v4) ---
    // Makes `issues` the whole list (the last check's are removed), in one transaction. A photo that is not in the
    // project is an error, and nothing changes.
    Status replaceLabelIssues(const std::vector<LabelIssueRecord>& issues);
    // The flags that still stand, most suspect first: the photo still carries the label that was judged, the label is
    // not disputed and not Confirmed. So accepting the suggestion, keeping the label, disputing it (and undoing any
    // of these) need no bookkeeping here.
    Expected<std::vector<LabelIssueRecord>> labelIssues() const;

    // --- splits, runs, predictions ---
    // Replaces the whole assignment of `fold` (images not listed are in no split of that fold).
    Status setSplits(const std::vector<std::pair<int64_t, SplitKind>>& splitById, int fold = 0);
    Expected<std::unordered_map<int64_t, SplitKind>> splits(int fold = 0) const;
    Expected<int64_t> addRun(const RunRecord& run);
    Status updateRun(const RunRecord& run);  // by id; createdMs 0 keeps the stored creation time
    Expected<std::vector<RunRecord>> runs() const;
    // Replaces per (image, run). classId 0 stores "no class"; a class removed later reads back as 0.
    Status putPredictions(const std::vector<PredictionRecord>& predictions);
    Expected<std::vector<PredictionRecord>> predictions(int64_t runId) const;
    // Makes `predictions` the whole set of run `runId` (older rows of that run are removed) in one transaction:
    // the GUI's quick model rewrites one run after each refresh instead of piling up runs.
    Status replacePredictions(int64_t runId, const std::vector<PredictionRecord>& predictions);
    // The newest run (highest id) that has stored predictions; 0 when none has.
    Expected<int64_t> latestPredictionRun() const;

    // --- the active model: the run bundle that Review, Dataset and `tessera-cli predict PROJECT` use ---
    // Stored relative to dataDir() (so a moved project keeps it); activeModel() answers an absolute path, or nothing
    // when none is set.
    Expected<std::optional<std::filesystem::path>> activeModel() const;
    Status setActiveModel(const std::filesystem::path& bundle);  // absolute or relative to dataDir()
    // The rule for a newly trained run: it becomes the active model when there is none, or when the active one's
    // file is gone. Returns whether it did. (A user's explicit choice of another run is never overridden.)
    Expected<bool> adoptAsActiveModelIfNone(const std::filesystem::path& bundle);

    // --- key/value settings kept with the project ---
    Status setSetting(const std::string& key, const std::string& value);
    Expected<std::optional<std::string>> setting(const std::string& key) const;

private:
    struct Impl;
    explicit ProjectStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::project
