#include "core/project/filenamepattern.h"

#include <memory>
#include <vector>

#include <re2/re2.h>

namespace tessera::project {

namespace {

enum class Field { Site, Context, Find, Ignored };

std::optional<Field> fieldFromName(const std::string& name) {
    if (name == "site") return Field::Site;
    if (name == "context" || name == "unit" || name == "su") return Field::Context;
    if (name == "find" || name == "find_id" || name == "id") return Field::Find;
    if (name == "view" || name == "any") return Field::Ignored;
    return std::nullopt;
}

const char* kKnownFields = "{site}, {context}, {unit}, {su}, {find}, {find_id}, {id}, {view}, {any}";

void appendLiteral(std::string& re, char c) {
    static const std::string special = R"(\^$.|?*+()[]{})";
    if (special.find(c) != std::string::npos) re += '\\';
    re += c;
}

// One character other than '/'. RE2 reads patterns and names as UTF-8, so this is a whole character ("Ş" is two
// bytes) and a lazy placeholder never stops inside one.
const char* kChar = "[^/]";

// RE2 matches in time linear in the name (no backtracking, no recursion): a pattern like "re:(?<find>a*)*b" typed
// into the finds dialog cannot hang the program, nor a long name overflow the stack, as they did with std::regex.
RE2::Options regexOptions() {
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingUTF8);
    o.set_case_sensitive(false);  // letters match regardless of case
    o.set_log_errors(false);      // errors are returned to the user, not printed
    o.set_max_mem(16 << 20);      // a pattern whose program would be larger is refused as too large
    return o;
}

}  // namespace

struct FileNamePattern::Impl {
    std::string text;
    std::unique_ptr<RE2> regex;
    std::vector<std::pair<size_t, Field>> groups;  // capture group index -> field
    bool wholePath = false;
};

FileNamePattern::FileNamePattern(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileNamePattern::FileNamePattern(FileNamePattern&&) noexcept = default;
FileNamePattern& FileNamePattern::operator=(FileNamePattern&&) noexcept = default;
FileNamePattern::~FileNamePattern() = default;

Expected<FileNamePattern> FileNamePattern::compile(const std::string& pattern) {
    auto impl = std::make_unique<Impl>();
    impl->text = pattern;
    auto fail = [&](const std::string& why) { return makeError("file-name pattern '" + pattern + "': " + why); };
    if (pattern.empty()) return fail("is empty");
    std::string re;
    if (pattern.rfind("re:", 0) == 0) {
        // Debian 12's RE2 knows only (?P<name>...): rewrite both spellings to plain groups and remember which
        // capture index each name got (counting every capturing '(' from the left).
        const std::string src = pattern.substr(3);
        size_t captures = 0;
        for (size_t i = 0; i < src.size(); ++i) {
            const char c = src[i];
            if (c == '\\' && i + 1 < src.size()) {
                re += c;
                re += src[++i];
                continue;
            }
            if (c == '[') {  // copy a bracket expression whole: a '(' inside it is a literal
                size_t j = i + 1;
                if (j < src.size() && src[j] == '^') ++j;
                if (j < src.size() && src[j] == ']') ++j;
                while (j < src.size() && src[j] != ']') j += (src[j] == '\\') ? 2 : 1;
                re += src.substr(i, j - i + 1);
                i = j;
                continue;
            }
            if (c != '(') {
                re += c;
                continue;
            }
            const bool named = src.compare(i, 3, "(?<") == 0 && i + 3 < src.size() && src[i + 3] != '=' &&
                               src[i + 3] != '!';
            const bool pyNamed = src.compare(i, 4, "(?P<") == 0;
            if (named || pyNamed) {
                const size_t start = i + (pyNamed ? 4 : 3);
                const size_t close = src.find('>', start);
                if (close == std::string::npos) return fail("unterminated group name after '(?<'");
                const std::string name = src.substr(start, close - start);
                auto field = fieldFromName(name);
                if (!field) return fail("unknown group name '" + name + "' (use site, context or find)");
                impl->groups.emplace_back(++captures, *field);
                re += '(';
                i = close;
            } else {
                if (src.compare(i, 2, "(?") != 0) ++captures;
                re += c;
            }
        }
    } else {
        for (size_t i = 0; i < pattern.size(); ++i) {
            const char c = pattern[i];
            if (c == '{') {
                const size_t close = pattern.find('}', i);
                if (close == std::string::npos) return fail("'{' at position " + std::to_string(i + 1) + " has no '}'");
                const std::string name = pattern.substr(i + 1, close - i - 1);
                auto field = fieldFromName(name);
                if (!field) return fail("unknown placeholder {" + name + "}; known: " + kKnownFields);
                re += std::string("(") + kChar + "+?)";
                impl->groups.emplace_back(impl->groups.size() + 1, *field);
                i = close;
            } else if (c == '}') {
                return fail("'}' at position " + std::to_string(i + 1) + " has no '{'");
            } else if (c == '*') {
                re += std::string(kChar) + "*";
            } else if (c == '?') {
                re += kChar;
            } else {
                appendLiteral(re, c);
            }
        }
    }
    bool any = false;
    for (const auto& g : impl->groups) any = any || g.second != Field::Ignored;
    if (!any) return fail("names no field to read (use {site}, {context} or {find})");
    impl->wholePath = pattern.find('/') != std::string::npos;
    impl->regex = std::make_unique<RE2>(re, regexOptions());
    if (!impl->regex->ok()) return fail("is not a valid regular expression: " + impl->regex->error());
    return FileNamePattern(std::move(impl));
}

std::optional<FindInfo> FileNamePattern::match(const std::string& relPath) const {
    const size_t slash = relPath.find_last_of('/');
    const std::string subject =
        impl_->wholePath || slash == std::string::npos ? relPath : relPath.substr(slash + 1);
    std::vector<re2::StringPiece> m(size_t(impl_->regex->NumberOfCapturingGroups()) + 1);
    if (!impl_->regex->Match(subject, 0, subject.size(), RE2::ANCHOR_BOTH, m.data(), int(m.size())))
        return std::nullopt;
    FindInfo info;
    for (const auto& [index, field] : impl_->groups) {
        if (index >= m.size() || m[index].data() == nullptr) continue;  // an optional group that took no part
        const std::string value(m[index].data(), m[index].size());
        switch (field) {
            case Field::Site: info.site = value; break;
            case Field::Context: info.context = value; break;
            case Field::Find: info.findId = value; break;
            case Field::Ignored: break;
        }
    }
    return info;
}

bool FileNamePattern::matchesWholePath() const { return impl_->wholePath; }
const std::string& FileNamePattern::text() const { return impl_->text; }

}  // namespace tessera::project
