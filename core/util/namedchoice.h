#pragma once
// An option that is one of a few named values (a training mode, an optimiser, ...): one table per enum spells its
// names, and these two functions turn text into the value and back. Text from users (command-line flags, the GUI's
// lists, run cards) is parsed once where it comes in; the rest of the program holds the enum.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>

#include "core/util/expected.h"

namespace tessera {

template <typename E>
struct Named {
    E value;
    std::string_view name;
};

// The value named `text` (case-insensitive), else an error such as "unknown optimizer 'x' (expected adamw or sgd)".
template <typename E, size_t N>
Expected<E> parseNamed(const std::array<Named<E>, N>& table, std::string_view text, std::string_view what) {
    auto same = [&](std::string_view name) {
        return name.size() == text.size() && std::equal(name.begin(), name.end(), text.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
               });
    };
    for (const auto& entry : table)
        if (same(entry.name)) return entry.value;
    std::string expected;
    for (size_t i = 0; i < N; ++i)
        expected += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(table[i].name);
    return makeError("unknown " + std::string(what) + " '" + std::string(text) + "' (expected " + expected + ")");
}

// Every name of `table`, joined by `separator` ("none | light | strong").
template <typename E, size_t N>
std::string namesOf(const std::array<Named<E>, N>& table, std::string_view separator = " | ") {
    std::string names;
    for (size_t i = 0; i < N; ++i) names += (i ? std::string(separator) : std::string()) + std::string(table[i].name);
    return names;
}

// The name of `value` in `table` (the first entry's when the table lacks it, which a complete table never does).
template <typename E, size_t N>
std::string nameOf(const std::array<Named<E>, N>& table, E value) {
    for (const auto& entry : table)
        if (entry.value == value) return std::string(entry.name);
    return std::string(table[0].name);
}

}  // namespace tessera
