// LabelledSet on a real SQLite project: contiguous class indices in project order over the classes that keep a
// usable labelled photo, unreadable and missing photos left out with their reasons (or kept when asked), find ids
// carried for the split, unlabelled photos listed apart.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "core/train/labelledset.h"
#include "core/predict/predictinputs.h"
#include "core/project/projectstore.h"

namespace fs = std::filesystem;
using tessera::learn::LabelledSet;
using tessera::learn::LabelledSetOptions;
namespace project = tessera::project;

namespace {

class LabelledSetTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("tessera-labelledset-" + std::to_string(std::random_device{}()) + "-" +
                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        fs::create_directories(root_);
        auto store = project::ProjectStore::open(root_, true);
        ASSERT_TRUE(store) << store.error();
        store_ = std::make_unique<project::ProjectStore>(std::move(*store));
    }
    void TearDown() override {
        store_.reset();
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    int64_t add(const std::string& rel, uint32_t flags = 0, const std::string& error = "",
                const std::string& findId = "") {
        project::ImageRecord r;
        r.relPath = rel;
        r.contentHash = flags & project::FlagMissing ? "" : "hash-" + rel;
        r.flags = flags;
        r.error = error;
        auto id = store_->upsertImage(r);
        EXPECT_TRUE(id) << id.error();
        if (!findId.empty()) {
            EXPECT_TRUE(store_->setFindInfo({{*id, project::FindInfo{findId, "Site A", "L12"}}}));
        }
        return *id;
    }
    void label(int64_t image, int64_t cls) { ASSERT_TRUE(store_->setLabel(image, cls)); }

    fs::path root_;
    std::unique_ptr<project::ProjectStore> store_;
};

TEST_F(LabelledSetTest, ContiguousIndicesOverUsableClassesAndReasonsForTheRest) {
    const int64_t coin = *store_->addClass("Coin"), pot = *store_->addClass("Pot"), tile = *store_->addClass("Tile");
    ASSERT_TRUE(store_->addClass("Bone"));  // never labelled
    const int64_t a = add("a.jpg", 0, "", "F1"), b = add("b.jpg"), c = add("c.jpg");
    const int64_t d = add("d.jpg", project::FlagUnreadable, "truncated JPEG"), e = add("e.jpg", project::FlagMissing);
    label(a, pot);
    label(b, tile);
    label(d, pot);
    label(e, coin);  // Coin's only photo is missing: Coin is no class of the set
    (void)c;

    auto set = LabelledSet::read(*store_);
    ASSERT_TRUE(set) << set.error();
    EXPECT_EQ(set->classNames(), (std::vector<std::string>{"Pot", "Tile"}));
    ASSERT_EQ(set->allClasses().size(), 4u);
    ASSERT_EQ(set->images().size(), 3u);  // a, b, c in store order
    const auto lab = set->labelled();
    ASSERT_EQ(lab.size(), 2u);
    EXPECT_EQ(lab[0]->image.relPath, "a.jpg");
    EXPECT_EQ(lab[0]->classId, pot);
    EXPECT_EQ(lab[0]->classIndex, 0);
    EXPECT_EQ(lab[0]->image.findId, "F1");
    EXPECT_EQ(lab[0]->image.site, "Site A");
    EXPECT_EQ(lab[1]->image.relPath, "b.jpg");
    EXPECT_EQ(lab[1]->classIndex, 1);
    const auto unl = set->unlabelled();
    ASSERT_EQ(unl.size(), 1u);
    EXPECT_EQ(unl[0]->image.relPath, "c.jpg");
    EXPECT_EQ(unl[0]->classIndex, -1);
    EXPECT_EQ(set->skipped(), (std::vector<std::string>{"d.jpg: unreadable: truncated JPEG", "e.jpg: missing on disk"}));
    EXPECT_EQ(set->storeHashes(),
              (std::vector<std::string>{"hash-a.jpg", "hash-b.jpg", "hash-c.jpg", "hash-d.jpg", ""}));

    // Kept for the decoder to judge: every labelled photo counts, Coin included, nothing skipped.
    auto o = LabelledSetOptions::defaults();
    o.dropUnusable = false;
    auto all = LabelledSet::read(*store_, o);
    ASSERT_TRUE(all) << all.error();
    EXPECT_EQ(all->classNames(), (std::vector<std::string>{"Coin", "Pot", "Tile"}));
    EXPECT_EQ(all->images().size(), 5u);
    EXPECT_EQ(all->labelled().size(), 4u);
    EXPECT_TRUE(all->skipped().empty());
    EXPECT_EQ(all->labelled().back()->image.relPath, "e.jpg");
    EXPECT_EQ(all->labelled().back()->classIndex, 0);
}

TEST_F(LabelledSetTest, DisputedLabelsAreLeftOutAndListedUnlessIncluded) {
    const int64_t pot = *store_->addClass("Pot"), tile = *store_->addClass("Tile");
    const int64_t a = add("a.jpg"), b = add("b.jpg"), c = add("c.jpg"), d = add("d.jpg");
    label(a, pot);
    label(b, tile);
    label(c, tile);
    ASSERT_TRUE(store_->setDisputed({b, c, d}, true));  // d has no label: nothing to leave out

    auto set = LabelledSet::read(*store_);
    ASSERT_TRUE(set) << set.error();
    EXPECT_EQ(set->disputed(), (std::vector<std::string>{"b.jpg", "c.jpg"}));
    ASSERT_EQ(set->labelled().size(), 1u);
    EXPECT_EQ(set->labelled()[0]->image.relPath, "a.jpg");
    EXPECT_EQ(set->classNames(), (std::vector<std::string>{"Pot"})) << "Tile's only labels are disputed";
    ASSERT_EQ(set->unlabelled().size(), 1u);
    EXPECT_EQ(set->unlabelled()[0]->image.relPath, "d.jpg");
    // Still among the photos (the map and the quick model show them), marked, with the class they are disputed under.
    ASSERT_EQ(set->images().size(), 4u);
    EXPECT_TRUE(set->images()[1].disputed && !set->images()[1].labelled());
    EXPECT_EQ(set->images()[1].classId, tile);
    EXPECT_FALSE(set->images()[0].disputed || set->images()[3].disputed);

    auto o = LabelledSetOptions::defaults();
    o.includeDisputed = true;
    auto all = LabelledSet::read(*store_, o);
    ASSERT_TRUE(all) << all.error();
    EXPECT_TRUE(all->disputed().empty());
    EXPECT_EQ(all->labelled().size(), 3u);
    EXPECT_EQ(all->classNames(), (std::vector<std::string>{"Pot", "Tile"}));
}

// `predict PROJECT --unlabelled` reads the photos the same way: those the trainer has no label for, which includes
// the disputed ones (an open attribution is what a second opinion from the model is for).
TEST_F(LabelledSetTest, PredictUnlabelledTakesPhotosWithoutALabelOrWithADisputedOne) {
    const int64_t pot = *store_->addClass("Pot");
    const int64_t a = add("a.jpg"), b = add("b.jpg");
    add("c.jpg");
    label(a, pot);
    label(b, pot);
    ASSERT_TRUE(store_->setDisputed({b}, true));
    auto o = tessera::learn::PredictInputOptions::defaults();
    o.unlabelledOnly = true;
    auto inputs = tessera::learn::PredictInputs::collect({root_.string()}, o);
    ASSERT_TRUE(inputs) << inputs.error();
    EXPECT_EQ(inputs->files, (std::vector<fs::path>{root_ / "b.jpg", root_ / "c.jpg"}));
    auto all = tessera::learn::PredictInputs::collect({root_.string()}, tessera::learn::PredictInputOptions::defaults());
    ASSERT_TRUE(all) << all.error();
    EXPECT_EQ(all->files.size(), 3u);
}

TEST_F(LabelledSetTest, EmptyProjectAndUnlabelledProject) {
    auto empty = LabelledSet::read(*store_);
    ASSERT_TRUE(empty) << empty.error();
    EXPECT_TRUE(empty->images().empty());
    EXPECT_TRUE(empty->classes().empty());
    EXPECT_TRUE(empty->skipped().empty());
    ASSERT_TRUE(store_->addClass("Pot"));
    add("x.png");
    add("y.png");
    auto set = LabelledSet::read(*store_);
    ASSERT_TRUE(set) << set.error();
    EXPECT_TRUE(set->labelled().empty());
    EXPECT_EQ(set->unlabelled().size(), 2u);
    EXPECT_TRUE(set->classes().empty()) << "a class without photos is no class of the set";
    EXPECT_EQ(set->allClasses().size(), 1u);
}

}  // namespace
