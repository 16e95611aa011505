#pragma once
// Fixed-size pool of worker threads for I/O- and decode-bound jobs (scanning, thumbnails, inference decode).
// LibTorch work does not belong here: it has its own intra-op threads.
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace tessera::util {

// The most threads any thread-count option accepts: more gains nothing on any desktop and can exhaust memory.
constexpr int kMaxThreads = 256;

class ThreadPool {
public:
    // 0: one per hardware thread; at most kMaxThreads. When the system refuses a thread (memory or process limits),
    // the pool works with those it got; it throws only when it got none.
    explicit ThreadPool(unsigned threads = 0);
    ~ThreadPool();                               // finishes queued tasks, then joins
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    void submit(std::function<void()> task);
    void waitIdle();  // blocks until the queue is empty and no task runs
    unsigned size() const { return static_cast<unsigned>(workers_.size()); }

    // Runs fn(i) for i in [0, n) over the pool and waits. Exceptions escape from the first failing call.
    void parallelFor(size_t n, const std::function<void(size_t)>& fn);

private:
    void workerLoop();

    std::vector<std::thread> workers_;
    std::queue<std::function<void()>> queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    size_t running_ = 0;
    bool stopping_ = false;
};

}  // namespace tessera::util
