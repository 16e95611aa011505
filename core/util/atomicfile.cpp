#include "core/util/atomicfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

namespace tessera::util {

namespace fs = std::filesystem;

namespace {

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string systemCause(int error) {
    if (error == ENOSPC || error == EDQUOT) return std::string(std::strerror(error)) + " (the disk is full)";
    return std::strerror(error);
}

// The rename itself must reach the disk too: flush the folder (best effort; some file systems refuse).
void syncFolder(const fs::path& folder) {
    const int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return;
    (void)::fsync(dir);
    ::close(dir);
}

}  // namespace

Expected<AtomicFile> AtomicFile::create(const fs::path& target) {
    std::string pattern = target.string() + ".tmp-XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    const int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) return makeError("cannot write " + quoted(target) + ": " + systemCause(errno));
    // mkostemp makes the file private to its owner: give it the permissions of the file it replaces (or rw-r--r--).
    struct stat previous {};
    ::fchmod(fd, ::stat(target.c_str(), &previous) == 0 ? (previous.st_mode & 07777) : 0644);
    return AtomicFile(target, fs::path(name.data()), fd);
}

AtomicFile::AtomicFile(fs::path target, fs::path temp, int fd)
    : target_(std::move(target)), temp_(std::move(temp)), fd_(fd) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : target_(std::move(other.target_)),
      temp_(std::move(other.temp_)),
      fd_(other.fd_),
      done_(other.done_),
      writtenByPath_(other.writtenByPath_) {
    other.fd_ = -1;
    other.done_ = true;
}

AtomicFile::~AtomicFile() {
    if (!done_) discard();
}

void AtomicFile::discard() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    std::error_code ignore;
    fs::remove(temp_, ignore);
    done_ = true;
}

Error AtomicFile::fail(const std::string& cause) {
    discard();
    return makeError("cannot write " + quoted(target_) + ": " + cause +
                     (fs::exists(target_) ? "; the previous version is unchanged" : ""));
}

const fs::path& AtomicFile::tempPath() {
    writtenByPath_ = true;
    if (fd_ >= 0) ::close(fd_);  // the path writer may replace the file (libzip does): flush it by path at commit()
    fd_ = -1;
    return temp_;
}

Status AtomicFile::write(std::string_view bytes) {
    if (done_ || fd_ < 0) return makeError("cannot write " + quoted(target_) + ": the file is already closed");
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(systemCause(errno));
        bytes.remove_prefix(size_t(n));
    }
    return {};
}

Status AtomicFile::commit() {
    if (done_) return makeError("cannot write " + quoted(target_) + ": the file is already closed");
    if (writtenByPath_) fd_ = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return fail(systemCause(errno));
    if (::fsync(fd_) != 0) return fail(systemCause(errno));
    const int closed = ::close(fd_);
    fd_ = -1;
    if (closed != 0) return fail(systemCause(errno));
    std::error_code ec;
    fs::rename(temp_, target_, ec);
    if (ec) return fail(ec.message());
    done_ = true;
    syncFolder(target_.parent_path());
    return {};
}

Status writeFileAtomically(const fs::path& file, std::string_view contents) {
    auto out = AtomicFile::create(file);
    if (!out) return out.takeError();
    if (auto st = out->write(contents); !st) return st;
    return out->commit();
}

Status copyFileAtomically(const fs::path& source, const fs::path& file) {
    auto out = AtomicFile::create(file);
    if (!out) return out.takeError();
    std::error_code ec;
    fs::copy_file(source, out->tempPath(), fs::copy_options::overwrite_existing, ec);
    if (ec) return out->fail("cannot copy " + source.string() + ": " + ec.message());
    return out->commit();
}

}  // namespace tessera::util
