// libFuzzer target: bytes as a CSV file -> importLabelsCsv and FindImport::fromCsv/apply on a real project store
// (SQLite in a temporary folder, a handful of photos). Whatever the file holds, the store must stay consistent:
// every label names a photo and a class that exist, and every class name is text Tessera can show and export.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>

#include "core/project/csvio.h"
#include "core/project/findimport.h"
#include "core/project/projectstore.h"
#include "core/util/text.h"

namespace {

namespace fs = std::filesystem;
using tessera::project::ProjectStore;

struct Fixture {
    fs::path dir;
    std::optional<ProjectStore> store;
};

Fixture& fixture() {
    static Fixture f = [] {
        Fixture made;
        const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        made.dir = base / ("tessera-fuzz-import-" + std::to_string(::getpid()));
        fs::create_directories(made.dir);
        auto opened = ProjectStore::open(made.dir);
        if (!opened) std::abort();
        made.store.emplace(std::move(*opened));
        for (const char* rel : {"a/1.jpg", "a/2.jpg", "b/3.png", "x,y.jpg", "deep/er/4.tif", "\xC3\xA9t\xC3\xA9.jpg"}) {
            tessera::project::ImageRecord r;
            r.relPath = rel;
            if (!made.store->upsertImage(r)) std::abort();
        }
        std::atexit([] { std::error_code ec; fs::remove_all(fixture().dir, ec); });
        return made;
    }();
    return f;
}

void checkConsistent(const ProjectStore& store) {
    auto classes = store.classes();
    auto labels = store.labels();
    auto images = store.images();
    if (!classes || !labels || !images) std::abort();
    std::set<int64_t> classIds, imageIds;
    for (const auto& c : *classes) {
        if (tessera::nameProblem(c.name, 1000)) std::abort();
        classIds.insert(c.id);
    }
    for (const auto& i : *images) imageIds.insert(i.id);
    for (const auto& l : *labels)
        if (!classIds.count(l.classId) || !imageIds.count(l.imageId)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Fixture& f = fixture();
    const fs::path csv = f.dir / "input.csv";
    {
        std::ofstream out(csv, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    }
    (void)tessera::project::importLabelsCsv(*f.store, csv);
    if (auto finds = tessera::project::FindImport::fromCsv(*f.store, csv))
        (void)tessera::project::FindImport::apply(*f.store, *finds);
    checkConsistent(*f.store);
    return 0;
}
