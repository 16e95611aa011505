#pragma once
// Self-registering sub-commands: each cmd_*.cpp defines one static CommandRegistrar, so adding a command never
// touches main.cpp. A command's run function returns the process exit code.
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace tessera::cli {

enum ExitCode { kOk = 0, kUserError = 1, kInternalError = 2 };

// setup() adds the sub-command's options to `sub` and returns the function that runs it after parsing.
using CommandSetup = std::function<std::function<int()>(CLI::App& sub)>;

struct CommandInfo {
    std::string name;
    std::string description;
    CommandSetup setup;
};

std::vector<CommandInfo>& commandRegistry();

struct CommandRegistrar {
    CommandRegistrar(std::string name, std::string description, CommandSetup setup) {
        commandRegistry().push_back({std::move(name), std::move(description), std::move(setup)});
    }
};

}  // namespace tessera::cli
