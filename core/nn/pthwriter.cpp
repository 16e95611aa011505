#include "core/nn/pthwriter.h"

#include <zip.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "core/nn/modelbundle.h"
#include "core/nn/modelbundle_torch.h"
#include "core/nn/onnxexporter.h"
#include "core/nn/resnet_torch.h"
#include "core/nn/architecture.h"
#include "core/nn/pthpicklewriter.h"
#include "core/nn/safetensors_torch.h"
#include "core/nn/statedict_torch.h"
#include "core/nn/torchzipreader_torch.h"
#include "core/nn/weightloader_torch.h"

namespace tessera::nn {
namespace {

constexpr int64_t kAlignment = 64;        // torch.save aligns every record's data (mmap-friendly loading in 2.x)
constexpr int64_t kLocalHeaderSize = 30;  // fixed part of a zip local file header
constexpr zip_uint16_t kPadFieldId = 0x4246;  // "FB": the extra field torch.save pads with

const char* storageTypeFor(at::ScalarType t) {
    switch (t) {
        case at::kFloat: return "FloatStorage";
        case at::kDouble: return "DoubleStorage";
        case at::kHalf: return "HalfStorage";
        case at::kBFloat16: return "BFloat16Storage";
        case at::kLong: return "LongStorage";
        case at::kInt: return "IntStorage";
        case at::kShort: return "ShortStorage";
        case at::kChar: return "CharStorage";
        case at::kByte: return "ByteStorage";
        case at::kBool: return "BoolStorage";
        default: return nullptr;
    }
}

// One record to add, with the bytes it points at kept alive until zip_close.
struct Record {
    std::string name;
    const void* data;
    int64_t size;
};

struct ZipCloser {
    void operator()(zip_t* z) const {
        if (z) zip_discard(z);
    }
};

}  // namespace

Status PthWriter::convertFile(const std::string& weightsPath, const std::string& outPath, const std::string& arch,
                              const PthWriteOptions& options) {
    auto sd = WeightLoader::readFile(weightsPath);
    if (!sd) return sd.takeError();
    Expected<Architecture> a = arch.empty() ? OnnxExporter::inferArchitecture(*sd) : parseArchitecture(arch);
    if (!a) return makeError(weightsPath + ": " + a.error());
    const at::Tensor* fc = sd->find("fc.weight");
    if (!fc || fc->dim() != 2 || fc->size(0) < 1)
        return makeError(weightsPath + ": no classifier layer (fc.weight) that says how many classes there are");
    try {
        ResNet model(*a, fc->size(0));
        WeightLoadOptions exact;
        exact.skipMismatchedHead = false;
        auto fitted = WeightLoader::load(*model, *sd, weightsPath, exact);
        if (!fitted) return fitted.takeError();
        return writeFile(WeightLoader::stateDict(*model), outPath, options);
    } catch (const c10::Error& e) {
        return makeError("cannot convert " + weightsPath + ": " + e.what_without_backtrace());
    }
}

Status PthWriter::writeFile(const StateDict& stateDict, const std::string& path, const PthWriteOptions& options) {
    std::vector<at::Tensor> keep;  // contiguous CPU copies; libzip reads them at zip_close
    std::vector<PickledTensor> pickled;
    keep.reserve(stateDict.size());
    try {
        for (const auto& [name, tensor] : stateDict.entries) {
            if (!tensor.defined()) return makeError("cannot write " + path + ": tensor " + name + " is undefined");
            const char* storage = storageTypeFor(tensor.scalar_type());
            if (!storage)
                return makeError("cannot write " + path + ": tensor " + name + " has unsupported type " +
                                 std::string(c10::toString(tensor.scalar_type())));
            at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
            PickledTensor p;
            p.name = name;
            p.storageType = storage;
            p.storageKey = std::to_string(keep.size());
            p.numel = t.numel();
            p.sizes = t.sizes().vec();
            p.strides = t.strides().vec();
            pickled.push_back(std::move(p));
            keep.push_back(std::move(t));
        }
    } catch (const c10::Error& e) {
        return makeError("cannot write " + path + ": " + e.what_without_backtrace());
    }

    const std::string pickle = PthPickleWriter::stateDict(pickled);
    static const std::string kVersion = "3\n";
    static const std::string kByteOrder = "little";
    const std::string prefix = options.archiveName + "/";
    std::vector<Record> records;
    records.push_back({prefix + "data.pkl", pickle.data(), int64_t(pickle.size())});
    records.push_back({prefix + "byteorder", kByteOrder.data(), int64_t(kByteOrder.size())});
    for (size_t i = 0; i < keep.size(); ++i)
        records.push_back({prefix + "data/" + std::to_string(i), keep[i].const_data_ptr(),
                           int64_t(keep[i].numel() * keep[i].element_size())});
    records.push_back({prefix + "version", kVersion.data(), int64_t(kVersion.size())});

    int zerr = 0;
    std::unique_ptr<zip_t, ZipCloser> za(zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr));
    if (!za) {
        zip_error_t error;
        zip_error_init_with_code(&error, zerr);
        std::string msg = "cannot create " + path + ": " + zip_error_strerror(&error);
        zip_error_fini(&error);
        return makeError(msg);
    }
    auto fail = [&](const std::string& what) {
        return makeError("cannot write " + path + ": " + what + ": " + zip_strerror(za.get()));
    };
    // Records are written in order, each as a local header (30 bytes + name + extra fields) followed by the
    // stored bytes, so the offset of every record's data is known here and padded to the alignment.
    int64_t cursor = 0;
    static const std::string kPad(kAlignment, 'Z');
    for (const Record& r : records) {
        zip_source_t* src = zip_source_buffer(za.get(), r.size ? r.data : "", zip_uint64_t(r.size), 0);
        if (!src) return fail(r.name);
        const zip_int64_t idx = zip_file_add(za.get(), r.name.c_str(), src, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(src);
            return fail(r.name);
        }
        const int64_t start = cursor + kLocalHeaderSize + int64_t(r.name.size()) + 4;
        const zip_uint16_t pad = zip_uint16_t((kAlignment - start % kAlignment) % kAlignment);
        if (zip_set_file_compression(za.get(), zip_uint64_t(idx), ZIP_CM_STORE, 0) != 0 ||
            zip_file_set_mtime(za.get(), zip_uint64_t(idx), 315532800 /* 1980-01-01: reproducible files */, 0) != 0 ||
            zip_file_extra_field_set(za.get(), zip_uint64_t(idx), kPadFieldId, ZIP_EXTRA_FIELD_NEW,
                                     reinterpret_cast<const zip_uint8_t*>(kPad.data()), pad, ZIP_FL_LOCAL) != 0)
            return fail(r.name);
        cursor = start + pad + r.size;
    }
    if (zip_close(za.get()) != 0) return fail("finishing the archive");
    za.release();  // zip_close freed it
    return {};
}

}  // namespace tessera::nn
