// tessera-cli dispute PROJECT [FILE...] [--from flagged.csv] [--clear] [--list]: marks photos whose label is open to
// question (specialists disagree) as disputed, or clears that. A disputed photo keeps its label; training and
// evaluation leave it out until the dispute is cleared (or `train --include-disputed`). --from takes the file column
// of a CSV, such as the one check-labels writes after a person has kept only the rows they agree with. All or
// nothing: a file that is not a photo of the project is an error, and nothing changes.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/project/csvreader.h"
#include "core/project/projectstore.h"

namespace tessera::cli {
namespace {

struct DisputeArgs {
    std::string project;
    std::vector<std::string> files;
    std::string from;
    bool clear = false;
    bool list = false;
};

// The file column of a CSV with a header (file, path, image, ...), rows in order.
Expected<std::vector<std::string>> filesOfCsv(const std::string& path) {
    using project::CsvReader;
    auto parsed = CsvReader::parseFile(path);
    if (!parsed) return parsed.takeError();
    if (!parsed->problems.empty())
        return makeError(path + ":" + std::to_string(parsed->problems.front().first) + ": " +
                         parsed->problems.front().second);
    if (parsed->records.empty()) return makeError(path + ": empty; expected a header with a 'file' column");
    const auto& header = parsed->records.front().fields;
    size_t column = header.size();
    for (size_t c = 0; c < header.size() && column == header.size(); ++c)
        if (CsvReader::isFileHeader(CsvReader::lowerAscii(CsvReader::trim(header[c])))) column = c;
    if (column == header.size()) return makeError(path + ":1: no 'file' column in the header");
    std::vector<std::string> files;
    for (size_t r = 1; r < parsed->records.size(); ++r) {
        const auto& fields = parsed->records[r].fields;
        if (column >= fields.size() || CsvReader::trim(fields[column]).empty())
            return makeError(path + ":" + std::to_string(parsed->records[r].line) + ": no file name");
        files.push_back(CsvReader::trim(fields[column]));
    }
    return files;
}

// A photo as named: relative to the project (as check-labels writes it), else a path from the working folder (as a
// shell completes it) that lies inside the project. Empty when it is neither.
std::string photoOfProject(const std::string& named, const std::filesystem::path& root,
                           const std::unordered_map<std::string, int64_t>& idOf) {
    namespace fs = std::filesystem;
    std::string rel = project::CsvReader::projectRelative(named, root);
    if (idOf.count(rel)) return rel;
    std::error_code ec;
    const fs::path file = fs::weakly_canonical(fs::absolute(named, ec), ec);
    const fs::path base = fs::weakly_canonical(fs::absolute(root, ec), ec);
    if (ec) return {};
    rel = file.lexically_relative(base).generic_string();
    return !rel.empty() && rel.rfind("..", 0) != 0 && idOf.count(rel) ? rel : std::string();
}

int listDisputes(project::ProjectStore& store) {
    auto disputed = store.disputedImages();
    if (!disputed) return userError(disputed.error());
    auto images = store.images();
    if (!images) return userError(images.error());
    auto labels = store.classByImage();
    if (!labels) return userError(labels.error());
    auto classes = store.classes();
    if (!classes) return userError(classes.error());
    std::unordered_map<int64_t, std::string> className;
    for (const auto& c : *classes) className[c.id] = c.name;
    size_t n = 0;
    for (const auto& im : *images) {
        if (!disputed->count(im.id)) continue;
        const auto label = labels->find(im.id);
        std::printf("%s\t%s\n", im.relPath.c_str(), label == labels->end() ? "(unlabelled)" : className[label->second].c_str());
        ++n;
    }
    std::printf("%zu disputed photo(s)\n", n);
    return kOk;
}

int runDispute(const DisputeArgs& a) {
    if (auto st = requireProject(a.project); !st) return userError(st.error());
    auto store = project::ProjectStore::open(a.project, false);
    if (!store) return userError(store.error());
    if (a.list && !a.clear && a.files.empty() && a.from.empty()) return listDisputes(*store);

    std::vector<std::string> files = a.files;
    if (!a.from.empty()) {
        auto fromCsv = filesOfCsv(a.from);
        if (!fromCsv) return userError(fromCsv.error());
        files.insert(files.end(), fromCsv->begin(), fromCsv->end());
    }
    if (files.empty()) return userError("name the photos (FILE... or --from CSV), or --list the disputed ones");
    auto images = store->images();
    if (!images) return userError(images.error());
    auto labels = store->classByImage();
    if (!labels) return userError(labels.error());
    std::unordered_map<std::string, int64_t> idOf;
    for (const auto& im : *images) idOf.emplace(im.relPath, im.id);
    std::vector<int64_t> ids;
    std::unordered_set<int64_t> named;  // a photo named twice counts once
    std::vector<std::string> unknown;
    for (const auto& f : files) {
        const auto it = idOf.find(photoOfProject(f, store->root(), idOf));
        if (it == idOf.end())
            unknown.push_back(f + ": not a photo of the project");
        else if (!a.clear && !labels->count(it->second))
            unknown.push_back(f + ": has no label to dispute");
        else if (named.insert(it->second).second)
            ids.push_back(it->second);
    }
    if (!unknown.empty()) {
        printProblems(unknown, 20);
        return userError(std::to_string(unknown.size()) + " file(s) cannot be " +
                         (a.clear ? "cleared" : "marked") + " in " + a.project + "; nothing was changed");
    }
    auto changed = store->setDisputed(ids, !a.clear);
    if (!changed) return userError(changed.error());
    if (a.clear)
        std::printf("cleared the dispute of %zu photo(s) (%zu were not disputed); they are used for training again\n",
                    changed->size(), ids.size() - changed->size());
    else
        std::printf("marked %zu photo(s) as disputed (%zu already were); training and evaluation leave them out "
                    "until the dispute is cleared\n",
                    changed->size(), ids.size() - changed->size());
    return a.list ? listDisputes(*store) : kOk;
}

const CommandRegistrar registrar{
    "dispute", "Mark photos whose label is disputed (left out of training until cleared), clear it, or list them",
    [](CLI::App& sub) {
        auto a = std::make_shared<DisputeArgs>();
        sub.add_option("PROJECT", a->project, "Project folder")->required();
        sub.add_option("FILE", a->files, "Photos: relative to the project folder, or paths from the working folder into it");
        sub.add_option("--from", a->from, "Take the photos from the file column of this CSV (e.g. check-labels --out)");
        sub.add_flag("--clear", a->clear, "Clear the dispute instead: the photos are used for training again");
        sub.add_flag("--list", a->list, "List the disputed photos with their labels");
        return [a] { return runDispute(*a); };
    }};

}  // namespace
}  // namespace tessera::cli
