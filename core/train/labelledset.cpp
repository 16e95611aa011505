#include "core/train/labelledset.h"

#include <unordered_map>
#include <unordered_set>

#include "core/project/projectstore.h"

namespace tessera::learn {

Expected<LabelledSet> LabelledSet::read(const project::ProjectStore& store, const LabelledSetOptions& options) {
    // Photos, classes and labels from one snapshot: a label another program commits between two reads could
    // otherwise name a class this read does not have.
    auto snapshot = store.labelSnapshot();
    if (!snapshot) return snapshot.takeError();
    auto& images = snapshot->images;
    const auto& labelList = snapshot->labels;
    std::unordered_map<int64_t, project::Label> labelOf;
    for (const auto& l : labelList) labelOf.emplace(l.imageId, l);

    LabelledSet set;
    set.allClasses_ = std::move(snapshot->classes);
    std::unordered_set<int64_t> known;
    for (const auto& c : set.allClasses_) known.insert(c.id);
    set.storeHashes_.reserve(images.size());
    std::unordered_set<int64_t> used;
    std::vector<char> hasLabel;  // per kept image (a class id of 0 is not special)
    for (auto& im : images) {
        set.storeHashes_.push_back(im.contentHash);
        if (options.dropUnusable && (im.flags & (project::FlagUnreadable | project::FlagMissing))) {
            set.skipped_.push_back(im.relPath + ": " +
                                   (im.flags & project::FlagMissing ? "missing on disk" : "unreadable: " + im.error));
            continue;
        }
        LabelledImage li;
        const auto l = labelOf.find(im.id);
        if (l != labelOf.end()) {
            const project::Label& label = l->second;
            if (!known.count(label.classId)) {
                set.skipped_.push_back(im.relPath + ": labelled with class id " + std::to_string(label.classId) +
                                       ", which the project does not have");
                continue;
            }
            li.classId = label.classId;
            li.source = label.source;
            li.disputed = !options.includeDisputed && label.disputed;
            if (li.disputed) set.disputed_.push_back(im.relPath);
            else used.insert(label.classId);
        }
        hasLabel.push_back(l != labelOf.end() && !li.disputed ? 1 : 0);
        li.image = std::move(im);
        set.images_.push_back(std::move(li));
    }
    // Contiguous indices over the used classes, in project order: what a model's output rows are.
    std::unordered_map<int64_t, int64_t> index;
    for (const auto& c : set.allClasses_)
        if (used.count(c.id)) {
            index[c.id] = int64_t(set.classes_.size());
            set.classes_.push_back(c);
        }
    for (size_t i = 0; i < set.images_.size(); ++i)
        if (hasLabel[i]) set.images_[i].classIndex = index.at(set.images_[i].classId);
    return set;
}

std::vector<const LabelledImage*> LabelledSet::labelled() const {
    std::vector<const LabelledImage*> out;
    for (const auto& li : images_)
        if (li.labelled()) out.push_back(&li);
    return out;
}

std::vector<const LabelledImage*> LabelledSet::unlabelled() const {
    std::vector<const LabelledImage*> out;
    for (const auto& li : images_)
        if (!li.labelled() && !li.disputed) out.push_back(&li);
    return out;
}

std::vector<std::string> LabelledSet::classNames() const {
    std::vector<std::string> out;
    for (const auto& c : classes_) out.push_back(c.name);
    return out;
}

}  // namespace tessera::learn
