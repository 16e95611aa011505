#include "core/train/lrschedule.h"

#include <algorithm>
#include <cmath>

namespace tessera::learn {

LrSchedule::LrSchedule(ScheduleKind kind, int64_t totalSteps, int64_t warmupSteps)
    : kind_(kind), total_(std::max<int64_t>(1, totalSteps)), warmup_(std::max<int64_t>(0, warmupSteps)) {}

double LrSchedule::factor(int64_t step) const {
    constexpr double kPi = 3.14159265358979323846;
    step = std::clamp<int64_t>(step, 0, total_ - 1);
    if (kind_ == ScheduleKind::OneCycle) {
        const int64_t up = std::max<int64_t>(1, int64_t(0.3 * double(total_)));
        if (step < up) {
            const double t = double(step) / double(up);
            return 1.0 / 25.0 + (1.0 - 1.0 / 25.0) * 0.5 * (1.0 - std::cos(kPi * t));
        }
        const double t = double(step - up) / double(std::max<int64_t>(1, total_ - up));
        return 1e-4 + (1.0 - 1e-4) * 0.5 * (1.0 + std::cos(kPi * t));
    }
    if (step < warmup_) return double(step + 1) / double(warmup_ + 1);
    const double t = double(step - warmup_) / double(std::max<int64_t>(1, total_ - warmup_));
    return 0.5 * (1.0 + std::cos(kPi * t));
}

}  // namespace tessera::learn
