#include "core/nn/ziparchive.h"

#include <zip.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "core/util/atomicfile.h"

namespace tessera::nn {

struct ZipArchive::Impl {
    zip_t* zip = nullptr;
    uint64_t archiveSize = 0;
    ~Impl() {
        if (zip) zip_discard(zip);  // read-only: discard never writes
    }
};

namespace {
std::string zipErrorText(int code) {
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    std::string s = zip_error_strerror(&e);
    zip_error_fini(&e);
    return s;
}
}  // namespace

ZipArchive::ZipArchive(std::unique_ptr<Impl> impl, std::string name) : impl_(std::move(impl)), name_(std::move(name)) {}
ZipArchive::ZipArchive(ZipArchive&&) noexcept = default;
ZipArchive& ZipArchive::operator=(ZipArchive&&) noexcept = default;
ZipArchive::~ZipArchive() = default;

Expected<ZipArchive> ZipArchive::finishOpen(std::unique_ptr<Impl> impl, std::string name) {
    ZipArchive a(std::move(impl), std::move(name));
    const zip_int64_t n = zip_get_num_entries(a.impl_->zip, 0);
    if (n < 0) return makeError("cannot read zip directory of " + a.name_);
    a.names_.reserve(static_cast<size_t>(n));
    for (zip_int64_t i = 0; i < n; ++i) {
        const char* s = zip_get_name(a.impl_->zip, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
        if (!s) return makeError("cannot read zip entry name " + std::to_string(i) + " in " + a.name_);
        a.names_.emplace_back(s);
    }
    return a;
}

Expected<ZipArchive> ZipArchive::openFile(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return makeError("cannot open " + path + ": " + ec.message());
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!z) return makeError(path + " is not a readable zip archive (" + zipErrorText(err) + ")");
    auto impl = std::make_unique<Impl>();
    impl->zip = z;
    impl->archiveSize = size;
    return finishOpen(std::move(impl), path);
}

Expected<ZipArchive> ZipArchive::openBytes(const uint8_t* data, size_t size, const std::string& name) {
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t* src = zip_source_buffer_create(size ? static_cast<const void*>(data) : static_cast<const void*>(""), size, 0, &zerr);
    if (!src) {
        std::string msg = zip_error_strerror(&zerr);
        zip_error_fini(&zerr);
        return makeError("cannot read " + name + ": " + msg);
    }
    zip_t* z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!z) {
        std::string msg = zip_error_strerror(&zerr);
        zip_error_fini(&zerr);
        zip_source_free(src);
        return makeError(name + " is not a readable zip archive (" + msg + ")");
    }
    zip_error_fini(&zerr);
    auto impl = std::make_unique<Impl>();
    impl->zip = z;
    impl->archiveSize = size;
    return finishOpen(std::move(impl), name);
}

bool ZipArchive::contains(const std::string& entry) const {
    return zip_name_locate(impl_->zip, entry.c_str(), ZIP_FL_ENC_RAW) >= 0;
}

Expected<uint64_t> ZipArchive::entrySize(const std::string& entry) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(impl_->zip, entry.c_str(), ZIP_FL_ENC_RAW, &st) != 0)
        return makeError("entry '" + entry + "' missing in " + name_);
    if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD))
        return makeError("entry '" + entry + "' in " + name_ + " has no size");
    // Stored entries cannot be larger than the archive; deflate expands at most ~1032x.
    const bool stored = st.comp_method == ZIP_CM_STORE;
    if (st.comp_size > impl_->archiveSize || (stored && st.size > impl_->archiveSize) ||
        (!stored && st.size / 1032 > st.comp_size + 1))
        return makeError("entry '" + entry + "' in " + name_ + " claims " + std::to_string(st.size) +
                         " bytes, more than the archive can hold (truncated or corrupt file)");
    return static_cast<uint64_t>(st.size);
}

Status ZipArchive::readInto(const std::string& entry, void* dst, uint64_t size) const {
    auto total = entrySize(entry);
    if (!total) return total.takeError();
    if (*total < size)
        return makeError("entry '" + entry + "' in " + name_ + " holds " + std::to_string(*total) + " bytes, " +
                         std::to_string(size) + " needed");
    zip_file_t* f = zip_fopen(impl_->zip, entry.c_str(), ZIP_FL_ENC_RAW);
    if (!f) return makeError("cannot open entry '" + entry + "' in " + name_ + ": " + zip_strerror(impl_->zip));
    uint64_t done = 0;
    auto* out = static_cast<uint8_t*>(dst);
    while (done < size) {
        const zip_int64_t got = zip_fread(f, out + done, size - done);
        if (got <= 0) {
            std::string msg = got < 0 ? zip_file_strerror(f) : "unexpected end of data";
            zip_fclose(f);
            return makeError("cannot read entry '" + entry + "' in " + name_ + ": " + msg + " (the file is damaged or truncated)");
        }
        done += static_cast<uint64_t>(got);
    }
    if (size == *total) {
        // libzip compares the CRC when a read reaches the entry's end: ask for one byte more to get there.
        char beyond = 0;
        const zip_int64_t got = zip_fread(f, &beyond, 1);
        if (got != 0) {
            const std::string msg = got < 0 ? zip_file_strerror(f) : "more data than its header says";
            zip_fclose(f);
            return makeError("entry '" + entry + "' in " + name_ + " is damaged (" + msg + ")");
        }
    }
    zip_fclose(f);
    return {};
}

Expected<std::string> ZipArchive::read(const std::string& entry, uint64_t maxBytes) const {
    auto size = entrySize(entry);
    if (!size) return size.takeError();
    if (*size > maxBytes)
        return makeError("entry '" + entry + "' in " + name_ + " claims " + std::to_string(*size) +
                         " bytes, more than such an entry can hold (" + std::to_string(maxBytes) + "); not read");
    std::string buf(static_cast<size_t>(*size), '\0');
    if (auto st = readInto(entry, buf.data(), *size); !st) return st.takeError();
    return buf;
}

Status writeZipFile(const std::string& path, const std::vector<ZipEntry>& entries) {
    auto file = util::AtomicFile::create(path);
    if (!file) return file.takeError();
    int err = 0;
    // libzip writes a file of its own beside the temporary one and renames it over that at zip_close.
    zip_t* z = zip_open(file->tempPath().c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) return file->fail(zipErrorText(err));
    for (const auto& e : entries) {
        zip_source_t* src = zip_source_buffer(z, e.data.data(), e.data.size(), 0);  // entries outlive zip_close
        if (!src) {
            std::string msg = zip_strerror(z);
            zip_discard(z);
            return file->fail(msg);
        }
        const zip_int64_t idx = zip_file_add(z, e.name.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
        if (idx < 0) {
            std::string msg = zip_strerror(z);
            zip_source_free(src);
            zip_discard(z);
            return file->fail("cannot add '" + e.name + "': " + msg);
        }
        zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), e.compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
    }
    if (zip_close(z) != 0) {
        std::string msg = zip_strerror(z);  // names the system's cause, e.g. "No space left on device"
        zip_discard(z);
        return file->fail(msg);
    }
    return file->commit();
}

}  // namespace tessera::nn
