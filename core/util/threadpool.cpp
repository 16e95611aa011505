#include "threadpool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <system_error>

namespace tessera::util {

ThreadPool::ThreadPool(unsigned threads) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = std::min(threads, unsigned(kMaxThreads));
    workers_.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
        try {
            workers_.emplace_back([this] { workerLoop(); });
        } catch (const std::system_error&) {
            if (workers_.empty()) throw;  // not even one: the caller reports it
            break;                        // fewer threads than asked: slower, still correct
        }
    }
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
}

void ThreadPool::submit(std::function<void()> task) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push(std::move(task));
    }
    wake_.notify_one();
}

void ThreadPool::waitIdle() {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

void ThreadPool::workerLoop() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            task = std::move(queue_.front());
            queue_.pop();
            ++running_;
        }
        task();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            --running_;
            if (queue_.empty() && running_ == 0) idle_.notify_all();
        }
    }
}

void ThreadPool::parallelFor(size_t n, const std::function<void(size_t)>& fn) {
    if (n == 0) return;
    // Workers pull indices from a shared counter: cheap dynamic load balancing for uneven files.
    std::atomic<size_t> next{0};
    std::exception_ptr failure;
    std::mutex failureMutex;
    std::mutex doneMutex;
    std::condition_variable doneCv;
    size_t remainingWorkers = std::min<size_t>(n, workers_.size());
    const size_t launched = remainingWorkers;
    for (size_t w = 0; w < launched; ++w) {
        submit([&] {
            for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
                try {
                    fn(i);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(failureMutex);
                    if (!failure) failure = std::current_exception();
                    next.store(n);
                }
            }
            std::lock_guard<std::mutex> lock(doneMutex);
            if (--remainingWorkers == 0) doneCv.notify_all();
        });
    }
    std::unique_lock<std::mutex> lock(doneMutex);
    doneCv.wait(lock, [&] { return remainingWorkers == 0; });
    if (failure) std::rethrow_exception(failure);
}

}  // namespace tessera::util
