// tessera-cli make-demo DIR: writes the synthetic sherd dataset (4 decoration classes) for trying Tessera out.
#include <iostream>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/demo/demogenerator.h"

namespace tessera::cli {
namespace {

struct DemoArgs {
    std::string dir;
    demo::DemoOptions options = demo::DemoOptions::defaults();
};

int runDemo(const DemoArgs& args) {
    auto report = [&] {
        ProgressBar bar;
        return demo::DemoGenerator::generate(args.dir, args.options, bar.context());
    }();
    if (!report) return userError(report.error());
    std::cout << "Wrote " << report->files.size() << " images (" << report->classes.size() << " classes x "
              << args.options.perClass << ", " << (report->bytesWritten + 512 * 1024) / (1024 * 1024) << " MiB) to "
              << args.dir << "\n";
    auto list = [](const char* what, const std::vector<std::string>& files) {
        if (files.empty()) return;
        std::cout << "  " << what << ":";
        for (const auto& f : files) std::cout << " " << f;
        std::cout << "\n";
    };
    std::cout << "Planted problems, for 'tessera-cli scan' to find:\n";
    list("too small", report->tooSmall);
    list("exact duplicates (of <class>_000.jpg)", report->exactDuplicates);
    list("near duplicate (of plain_000.jpg)", report->nearDuplicates);
    list("blurry", report->blurry);
    std::cout << "Next: tessera-cli scan " << args.dir << "\n";
    return kOk;
}

const CommandRegistrar registrar("make-demo", "Write a synthetic dataset of sherd photos (4 classes) to DIR",
                                 [](CLI::App& sub) -> std::function<int()> {
    auto args = std::make_shared<DemoArgs>();
    sub.add_option("DIR", args->dir, "Output folder (created; files of the same name are overwritten)")->required();
    sub.add_option("--per-class", args->options.perClass, "Images per class")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    sub.add_option("--seed", args->options.seed, "Random seed; equal seeds give identical files")
        ->capture_default_str();
    return [args] { return runDemo(*args); };
});

}  // namespace
}  // namespace tessera::cli
