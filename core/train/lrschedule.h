#pragma once
// Learning-rate factor per optimizer step: linear warm-up then cosine decay to zero (warmup-cosine), or a one-cycle
// shape (30 % rise from lr/25, cosine fall to lr/1e4). A pure function of the step, so a resumed run needs no state.
#include <array>
#include <cstdint>
#include <string>

#include "core/util/expected.h"
#include "core/util/namedchoice.h"

namespace tessera::learn {

enum class ScheduleKind { WarmupCosine, OneCycle };
inline constexpr std::array kScheduleNames{Named<ScheduleKind>{ScheduleKind::WarmupCosine, "warmup-cosine"},
                                           Named<ScheduleKind>{ScheduleKind::OneCycle, "onecycle"}};
inline std::string scheduleName(ScheduleKind kind) { return nameOf(kScheduleNames, kind); }
// Also takes the older spellings "cosine" and "one-cycle".
inline Expected<ScheduleKind> parseSchedule(std::string_view name) {
    if (name == "cosine") return ScheduleKind::WarmupCosine;
    if (name == "one-cycle") return ScheduleKind::OneCycle;
    return parseNamed(kScheduleNames, name, "schedule");
}

class LrSchedule {
public:
    LrSchedule(ScheduleKind kind, int64_t totalSteps, int64_t warmupSteps);
    double factor(int64_t step) const;  // multiply each group's base lr by this

private:
    ScheduleKind kind_;
    int64_t total_, warmup_;
};

}  // namespace tessera::learn
