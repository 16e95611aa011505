// tessera-cli weights list|download|import: the pretrained weights cache, for machines with and without internet.
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/nn/modelzoo.h"
#include "core/nn/weightscache.h"

namespace tessera::cli {
namespace {

CancelToken& interruptToken() {
    static CancelToken token;
    return token;
}

// First Ctrl-C cancels the transfer cleanly (the .part is kept for a resume); the default handler is restored so a
// second Ctrl-C ends the process at once.
void onInterrupt(int) {
    interruptToken().cancel();
    std::signal(SIGINT, SIG_DFL);
}

std::string humanSize(int64_t bytes) {
    if (bytes <= 0) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / 1e6);
    return buf;
}

struct WeightsArgs {
    std::string zooFile;
    std::string cacheDir;
    std::string name;
    std::string file;
    bool verify = false;
    bool quiet = false;
};

Expected<nn::ModelZoo> loadZoo(const WeightsArgs& a) {
    return a.zooFile.empty() ? nn::ModelZoo::load() : nn::ModelZoo::fromFile(a.zooFile);
}

nn::WeightsCache makeCache(const WeightsArgs& a) {
    return a.cacheDir.empty() ? nn::WeightsCache() : nn::WeightsCache(a.cacheDir);
}

int unknownName(const nn::ModelZoo& zoo, const std::string& name) {
    std::string known;
    for (const auto& n : zoo.names()) known += (known.empty() ? "" : ", ") + n;
    return userError("unknown weights name '" + name + "' (known: " + known + "; zoo " + zoo.source().string() + ")");
}

int runList(const WeightsArgs& a) {
    auto zoo = loadZoo(a);
    if (!zoo) return userError(zoo.error());
    const nn::WeightsCache cache = makeCache(a);
    std::printf("%-14s %-10s %-14s %-9s %s\n", "NAME", "ARCH", "WEIGHTS", "STATUS", "SIZE / PATH");
    int corrupt = 0;
    for (const auto& e : zoo->entries()) {
        const nn::CacheStatus s = cache.status(e, a.verify);
        if (s.state == nn::CacheState::Corrupt) ++corrupt;
        std::string where = s.state == nn::CacheState::Missing ? e.url : s.path.string();
        std::error_code ec;
        const auto hub = nn::WeightsCache::torchHubPath(e);
        if (s.state == nn::CacheState::Missing && std::filesystem::is_regular_file(hub, ec))
            where = "in the torch hub cache: tessera-cli weights import " + e.name;
        std::printf("%-14s %-10s %-14s %-9s %-9s %s\n", e.name.c_str(), e.arch.c_str(), e.weights.c_str(),
                    nn::cacheStateName(s.state), humanSize(s.bytes).c_str(), where.c_str());
    }
    std::printf("cache: %s\nzoo:   %s\n", cache.dir().string().c_str(), zoo->source().string().c_str());
    if (corrupt > 0) return userError(std::to_string(corrupt) + " cached file(s) do not match their hash; run "
                                      "'tessera-cli weights download NAME' to replace them");
    return kOk;
}

int runDownload(const WeightsArgs& a) {
    auto zoo = loadZoo(a);
    if (!zoo) return userError(zoo.error());
    const nn::ZooEntry* e = zoo->find(a.name);
    if (!e) return unknownName(*zoo, a.name);
    const nn::WeightsCache cache = makeCache(a);
    std::signal(SIGINT, onInterrupt);
    auto path = [&] {
        ProgressBar bar(!a.quiet);
        return cache.download(*e, bar.context(interruptToken()));
    }();
    std::signal(SIGINT, SIG_DFL);
    if (!path) return userError(path.error());
    std::printf("%s\n", path->string().c_str());
    return kOk;
}

int runImport(const WeightsArgs& a) {
    auto zoo = loadZoo(a);
    if (!zoo) return userError(zoo.error());
    const nn::ZooEntry* e = zoo->find(a.name);
    if (!e) return unknownName(*zoo, a.name);
    const nn::WeightsCache cache = makeCache(a);
    std::string file = a.file;
    if (file.empty()) {
        file = nn::WeightsCache::torchHubPath(*e).string();
        std::error_code ec;
        if (file.empty() || !std::filesystem::is_regular_file(file, ec))
            return userError("no FILE given and the torch hub cache has no " + e->fileName + " (looked for " + file +
                             ")");
    }
    auto path = [&] {
        ProgressBar bar(!a.quiet);
        return cache.importFile(*e, file, bar.context());
    }();
    if (!path) return userError(path.error());
    std::printf("%s\n", path->string().c_str());
    return kOk;
}

const CommandRegistrar registrar(
    "weights", "List, download or import (offline) the pretrained ImageNet weights", [](CLI::App& sub) {
        auto args = std::make_shared<WeightsArgs>();
        auto mode = std::make_shared<std::string>();
        sub.require_subcommand(1);
        sub.add_option("--zoo", args->zooFile, "Model zoo file (default: $TESSERA_ZOO or the installed zoo.json)");
        sub.add_option("--cache-dir", args->cacheDir,
                       "Weights cache (default: $TESSERA_CACHE_DIR or ~/.cache/tessera/weights)");
        CLI::App* list = sub.add_subcommand("list", "Known weights and whether they are in the cache");
        list->add_flag("--verify", args->verify, "Re-hash cached files (slower)");
        list->callback([mode] { *mode = "list"; });
        CLI::App* dl = sub.add_subcommand("download", "Download weights into the cache (resumes, verifies)");
        dl->add_option("name", args->name, "Weights name, e.g. resnet18")->required();
        dl->add_flag("-q,--quiet", args->quiet, "No progress bar");
        dl->callback([mode] { *mode = "download"; });
        CLI::App* imp = sub.add_subcommand("import", "Put a weights file fetched elsewhere into the cache");
        imp->add_option("name", args->name, "Weights name, e.g. resnet18")->required();
        imp->add_option("file", args->file,
                        "The .pth file, e.g. resnet18-f37072fd.pth (default: the one in torch hub's cache)");
        imp->add_flag("-q,--quiet", args->quiet, "No progress bar");
        imp->callback([mode] { *mode = "import"; });
        return [args, mode]() -> int {
            if (*mode == "list") return runList(*args);
            if (*mode == "download") return runDownload(*args);
            if (*mode == "import") return runImport(*args);
            return userError("weights: choose list, download or import");
        };
    });

}  // namespace
}  // namespace tessera::cli
