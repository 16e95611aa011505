#pragma once
// What every long-running core job (scan, stats, train, predict, export) receives: a progress callback and a
// cancel token checked at least once per unit of work. Plain structs only, so the UI can adapt it to signals.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tessera {

// Every member has a default initializer, so a report names only what it knows ({"scan", done, total}) without a
// -Wmissing-field-initializers warning for the rest.
struct Progress {
    std::string stage{};   // e.g. "scan", "hash", "train"
    int64_t done = 0;
    int64_t total = 0;     // 0 when unknown
    std::string message{};  // optional detail, e.g. the file being read
    double rate = -1.0;    // items per second when the reporter knows it (e.g. photos/s while steps are counted);
    std::string rateUnit{};  // < 0: a display measures done/s itself. rateUnit names the item ("img"), empty: "/s"
};

// Shared, copyable cancel flag. Copies observe the same flag.
class CancelToken {
public:
    CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
    // A token cancelled with this one that can also be cancelled alone: one refresh of a worker whose whole
    // configuration has a token of its own.
    CancelToken child() const {
        CancelToken c;
        c.parent_ = std::make_shared<const CancelToken>(*this);
        return c;
    }
    void cancel() const { flag_->store(true, std::memory_order_relaxed); }
    void reset() const { flag_->store(false, std::memory_order_relaxed); }
    bool isCancelled() const {
        return flag_->load(std::memory_order_relaxed) || (parent_ && parent_->isCancelled());
    }

private:
    std::shared_ptr<std::atomic<bool>> flag_;
    std::shared_ptr<const CancelToken> parent_;
};

struct JobContext {
    std::function<void(const Progress&)> onProgress;  // may be empty; called from worker threads
    CancelToken cancel;

    bool cancelled() const { return cancel.isCancelled(); }
    void report(const Progress& p) const {
        if (onProgress) onProgress(p);
    }
};

}  // namespace tessera
