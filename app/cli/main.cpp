// tessera-cli: the headless twin of the GUI. Sub-commands register themselves (see command.h).
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/cli/command.h"

namespace tessera::cli {
std::vector<CommandInfo>& commandRegistry() {
    static std::vector<CommandInfo> registry;
    return registry;
}
}  // namespace tessera::cli

int main(int argc, char** argv) {
    using namespace tessera::cli;
    CLI::App app{"tessera-cli: image classifiers for archaeological finds, headless"};
    app.set_version_flag("--version", std::string("tessera-cli ") + TESSERA_VERSION);
    app.require_subcommand(1);
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
