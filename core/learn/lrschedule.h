#pragma once
// Learning-rate factor per optimizer step: linear warm-up then cosine decay to zero (warmup-cosine), or a one-cycle
// shape (30 % rise from lr/25, cosine fall to lr/1e4). A pure function of the step, so a resumed run needs no state.
#include <cstdint>
#include <string>

#include "core/util/expected.h"

namespace tessera::learn {

enum class ScheduleKind { WarmupCosine, OneCycle };

Expected<ScheduleKind> parseSchedule(const std::string& name);

class LrSchedule {
public:
    LrSchedule(ScheduleKind kind, int64_t totalSteps, int64_t warmupSteps);
    double factor(int64_t step) const;  // multiply each group's base lr by this

private:
    ScheduleKind kind_;
    int64_t total_, warmup_;
};

}  // namespace tessera::learn
