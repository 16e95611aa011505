#pragma once
// The one place for differences between LibTorch 1.13 (Debian) and 2.x (users, GPU machines). Everything else in
// Tessera calls these wrappers instead of version-specific API. Torch header: core sources and tests only.
#include <torch/torch.h>
#include <torch/version.h>

#include <ATen/autocast_mode.h>

#ifndef TORCH_VERSION_MAJOR
#error "torch/version.h did not define TORCH_VERSION_MAJOR"
#endif

#define TESSERA_TORCH_AT_LEAST(major, minor) \
    (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace tessera::nn::compat {

// Autocast: 2.4 replaced the per-device functions (set_enabled / set_cpu_enabled, set_autocast_gpu_dtype) with
// ones taking a DeviceType; the old names are deprecated there and gone later.
inline void setAutocastEnabled(c10::DeviceType device, bool enabled) {
#if TESSERA_TORCH_AT_LEAST(2, 4)
    at::autocast::set_autocast_enabled(device, enabled);
#else
    if (device == c10::DeviceType::CUDA)
        at::autocast::set_enabled(enabled);
    else
        at::autocast::set_cpu_enabled(enabled);
#endif
}

inline bool isAutocastEnabled(c10::DeviceType device) {
#if TESSERA_TORCH_AT_LEAST(2, 4)
    return at::autocast::is_autocast_enabled(device);
#else
    return device == c10::DeviceType::CUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

inline void setAutocastDtype(c10::DeviceType device, at::ScalarType dtype) {
#if TESSERA_TORCH_AT_LEAST(2, 4)
    at::autocast::set_autocast_dtype(device, dtype);
#else
    if (device == c10::DeviceType::CUDA)
        at::autocast::set_autocast_gpu_dtype(dtype);
    else
        at::autocast::set_autocast_cpu_dtype(dtype);
#endif
}

inline void clearAutocastCache() { at::autocast::clear_cache(); }

// RAII autocast region (what torch.autocast does in Python): enables, sets the dtype, restores both on exit and
// clears the cast cache when the outermost region ends.
class AutocastGuard {
public:
    AutocastGuard(c10::DeviceType device, at::ScalarType dtype, bool enabled = true)
        : device_(device), prevEnabled_(isAutocastEnabled(device)) {
        prevDtype_ = currentDtype();
        setAutocastEnabled(device_, enabled);
        setAutocastDtype(device_, dtype);
        at::autocast::increment_nesting();
    }
    ~AutocastGuard() {
        if (at::autocast::decrement_nesting() == 0) clearAutocastCache();
        setAutocastEnabled(device_, prevEnabled_);
        setAutocastDtype(device_, prevDtype_);
    }
    AutocastGuard(const AutocastGuard&) = delete;
    AutocastGuard& operator=(const AutocastGuard&) = delete;

private:
    at::ScalarType currentDtype() const {
#if TESSERA_TORCH_AT_LEAST(2, 4)
        return at::autocast::get_autocast_dtype(device_);
#else
        return device_ == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype()
                                                : at::autocast::get_autocast_cpu_dtype();
#endif
    }
    c10::DeviceType device_;
    bool prevEnabled_;
    at::ScalarType prevDtype_ = at::kFloat;
};

// Raw bytes of a CPU tensor for writers; 2.1 added mutable_data_ptr/const_data_ptr, data_ptr stays valid in both.
inline const void* constBytes(const at::Tensor& t) { return t.data_ptr(); }
inline void* mutableBytes(at::Tensor& t) { return t.data_ptr(); }

}  // namespace tessera::nn::compat
