// tessera-cli: the headless twin of the GUI. Sub-commands register themselves (see command.h).
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "app/cli/command.h"
#include "core/device/deviceinfo.h"

namespace tessera::cli {
std::vector<CommandInfo>& commandRegistry() {
    static std::vector<CommandInfo> registry;
    return registry;
}
}  // namespace tessera::cli

namespace {
// Computed only when --version is given: the device probe loads the NVIDIA driver, which other commands may not need.
std::string versionText() {
    const tessera::learn::DeviceInfo& d = tessera::learn::deviceInfo();
    std::string cuda = "none (CPU-only LibTorch build)";
    if (d.torchHasCuda)
        cuda = d.torchCudaVersion +
               (d.cudaAvailable ? " (GPU usable)" : " (unavailable: " + d.cudaUnavailableReason + ")");
    return std::string("tessera-cli ") + TESSERA_VERSION + "\nLibTorch: " + d.torchVersion +
           (d.torchHasCuda ? " (CUDA build)" : " (CPU-only build)") + "\nCUDA:     " + cuda +
           "\ncuDNN:    " + (d.cudnnVersion.empty() ? std::string("none") : d.cudnnVersion);
}
}  // namespace

int main(int argc, char** argv) {
    using namespace tessera::cli;
    CLI::App app{"tessera-cli: image classifiers for archaeological finds, headless"};
    app.set_version_flag("--version", std::function<std::string()>(versionText));
    app.require_subcommand(1);
    app.fallthrough();  // global options may follow the sub-command too
    std::string projectsDir;
    app.add_option("--projects-dir", projectsDir,
                   "Where the projects of photo folders kept outside them live (read-only folders, scan "
                   "--keep-outside); default $TESSERA_PROJECTS_DIR, else ~/.local/share/tessera/projects");
    std::function<int()> selected;
    for (auto& cmd : commandRegistry()) {
        CLI::App* sub = app.add_subcommand(cmd.name, cmd.description);
        auto run = std::make_shared<std::function<int()>>();
        *run = cmd.setup(*sub);
        sub->callback([run, &selected] { selected = *run; });
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? kOk : kUserError;  // --help / --version exit 0; bad arguments are user errors
    }
    // Every project lookup in this process (core included) resolves per-user projects there.
    if (!projectsDir.empty()) ::setenv("TESSERA_PROJECTS_DIR", projectsDir.c_str(), 1);
    try {
        return selected ? selected() : kUserError;
    } catch (const std::exception& e) {
        std::cerr << "tessera-cli: internal error: " << e.what() << "\n";
        return kInternalError;
    } catch (...) {
        std::cerr << "tessera-cli: internal error (unknown exception)\n";
        return kInternalError;
    }
}
