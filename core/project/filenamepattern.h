#pragma once
// Reads find provenance out of file names with a pattern the user types. Two syntaxes:
//   placeholders  "{site}_{context}_{find}_{view}.jpg"      -> Tell-B_L12_F003_a.jpg: site Tell-B, context L12, find F003
//                 "{site}/{context}/{find}-*.tif"           -> a pattern with '/' matches the path relative to the project
//   regex         "re:(?<site>[A-Z]+)-(?<find>\d+)"         -> RE2 (Perl-like) regex with named groups (?<name>...) or
//                                                             (?P<name>...); no look-around or back-references
// Placeholders: {site}, {context} (also {unit}, {su}), {find} (also {find_id}, {id}); {view} and {any} match but are
// not stored. '*' matches any run of characters except '/', '?' one character. A placeholder matches at least one
// character and as few as possible, so in "{site}_{find}" the site ends at the first '_'. Letters match regardless
// of case (accented ones too); the whole name (or path) must match. Names and patterns are UTF-8.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/project/imagerecord.h"
#include "core/util/expected.h"

namespace tessera::project {

class FileNamePattern {
public:
    // Errors name the pattern and what is wrong (unknown placeholder, unbalanced brace, bad regex, no field).
    static Expected<FileNamePattern> compile(const std::string& pattern);

    FileNamePattern(FileNamePattern&&) noexcept;
    FileNamePattern& operator=(FileNamePattern&&) noexcept;
    ~FileNamePattern();

    // relPath: '/'-separated, relative to the project root. nullopt when it does not match.
    std::optional<FindInfo> match(const std::string& relPath) const;
    bool matchesWholePath() const;  // the pattern contains '/'
    const std::string& text() const;

private:
    struct Impl;
    explicit FileNamePattern(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::project
