#pragma once
// The labelled dataset of a project as training, evaluation and the quick model read it: the usable photos with
// their labels mapped to contiguous class indices (find id, site and context kept for the split), the classes that
// have usable labelled photos, the unlabelled usable photos, and every photo left out with its reason. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include "core/project/imagerecord.h"
#include "core/util/expected.h"

namespace tessera::project {
class ProjectStore;
}

namespace tessera::learn {

struct LabelledSetOptions {
    // Leave out photos the scan flagged unreadable or missing (listed in skipped()). Off: keep them, so that the
    // decoder reports what is wrong now (evaluation does; a missing photo may have come back since the scan).
    bool dropUnusable = true;
    // Keep photos whose label a person marked as disputed (ProjectStore::setDisputed). Off: they are left out and
    // listed in disputed(), so that neither training nor evaluation takes an open attribution for the truth.
    bool includeDisputed = false;
    static LabelledSetOptions defaults() { return LabelledSetOptions{}; }
};

struct LabelledImage {
    project::ImageRecord image;  // with find id, site and context
    int64_t classId = 0;         // the project's class id; meaningful when labelled() or disputed
    int64_t classIndex = -1;     // index into LabelledSet::classes(); -1 when unlabelled or disputed
    // Its label is disputed and left out (LabelledSetOptions::includeDisputed off): not labelled() for training,
    // nor unlabelled() for "label these next"; the quick model still places it on the map and predicts it.
    bool disputed = false;
    project::LabelSource source = project::LabelSource::Manual;  // how its label came about
    bool labelled() const { return classIndex >= 0; }
};

class LabelledSet {
public:
    // Reads images, classes and labels of an open store. Errors are the store's (they name the project).
    static Expected<LabelledSet> read(const project::ProjectStore& store,
                                      const LabelledSetOptions& options = LabelledSetOptions::defaults());

    // Kept photos, labelled, unlabelled and disputed, in store order (by relative path).
    const std::vector<LabelledImage>& images() const { return images_; }
    std::vector<const LabelledImage*> labelled() const;
    std::vector<const LabelledImage*> unlabelled() const;  // no label at all (disputed ones are not in it)
    // Classes with at least one kept labelled photo, in project order; position = LabelledImage::classIndex.
    const std::vector<project::ClassInfo>& classes() const { return classes_; }
    std::vector<std::string> classNames() const;
    // Every class of the project in project order, used or not.
    const std::vector<project::ClassInfo>& allClasses() const { return allClasses_; }
    // "relPath: missing on disk", "relPath: unreadable: <why>", in store order.
    const std::vector<std::string>& skipped() const { return skipped_; }
    // Relative paths of the labelled photos left out because their label is disputed, in store order.
    const std::vector<std::string>& disputed() const { return disputed_; }
    // Content hash of every photo in the store, kept or not ("" where the scan could not read the file).
    const std::vector<std::string>& storeHashes() const { return storeHashes_; }

private:
    std::vector<LabelledImage> images_;
    std::vector<project::ClassInfo> classes_, allClasses_;
    std::vector<std::string> skipped_, storeHashes_, disputed_;
};

}  // namespace tessera::learn
