#pragma once
// A scoped autocast region for C++ (what `with torch.autocast(device, dtype)` is in Python): enables autocast for
// one device type with one dtype and restores both on exit, clearing the cast cache when the outermost region ends.
// Torch header: core sources and tests only.
#include <ATen/autocast_mode.h>

namespace tessera::nn {

class AutocastGuard {
public:
    AutocastGuard(c10::DeviceType device, at::ScalarType dtype, bool enabled = true)
        : device_(device),
          prevEnabled_(at::autocast::is_autocast_enabled(device)),
          prevDtype_(at::autocast::get_autocast_dtype(device)) {
        at::autocast::set_autocast_enabled(device_, enabled);
        at::autocast::set_autocast_dtype(device_, dtype);
        at::autocast::increment_nesting();
    }
    ~AutocastGuard() {
        if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
        at::autocast::set_autocast_enabled(device_, prevEnabled_);
        at::autocast::set_autocast_dtype(device_, prevDtype_);
    }
    AutocastGuard(const AutocastGuard&) = delete;
    AutocastGuard& operator=(const AutocastGuard&) = delete;

private:
    c10::DeviceType device_;
    bool prevEnabled_;
    at::ScalarType prevDtype_;
};

}  // namespace tessera::nn
