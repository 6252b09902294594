#pragma once
// The library's two ways of spreading work over threads, and the one
// default thread count. Results never depend on the thread count: callers
// write per-index results, and chunk boundaries only decide who computes what.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace engage_right::detail {

/// Worker threads for a request: `requested`, or every core when 0.
inline unsigned thread_count(unsigned requested) noexcept {
    return requested ? requested : std::max(1u, std::thread::hardware_concurrency());
}

/// Run body(first, last) over [0, n) in chunks of `chunk` taken by `threads`
/// workers as they come free (uneven work per index). The first exception
/// stops the others and is rethrown.
template <class Body>
void parallel_dynamic(std::size_t n, unsigned threads, std::size_t chunk, Body body) {
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    auto work = [&] {
        try {
            for (;;) {
                const std::size_t first = next.fetch_add(chunk);
                if (first >= n || failed.load()) return;
                body(first, std::min(n, first + chunk));
            }
        } catch (...) {
            if (!failed.exchange(true)) failure = std::current_exception();
        }
    };
    if (threads <= 1) {
        work();
    } else {
        std::vector<std::thread> pool;
        for (unsigned i = 0; i < threads; ++i) pool.emplace_back(work);
        for (auto& th : pool) th.join();
    }
    if (failure) std::rethrow_exception(failure);
}

/// Split [0, n) into `parts` contiguous ranges and run fn(begin, end, part),
/// one range per thread (even work per index; part 0 on the calling thread).
/// The first exception (by part) is rethrown after all parts finished.
template <class Fn>
void parallel_ranges(std::size_t n, std::size_t parts, Fn&& fn) {
    parts = std::max<std::size_t>(1, parts);
    if (parts == 1) {
        fn(std::size_t{0}, n, std::size_t{0});
        return;
    }
    std::vector<std::exception_ptr> failure(parts);
    auto bound = [&](std::size_t k) { return n * k / parts; };
    auto run = [&](std::size_t k) {
        try {
            fn(bound(k), bound(k + 1), k);
        } catch (...) {
            failure[k] = std::current_exception();
        }
    };
    {
        std::vector<std::jthread> pool;
        pool.reserve(parts - 1);
        for (std::size_t k = 1; k < parts; ++k) pool.emplace_back(run, k);
        run(0);
    }
    for (auto& f : failure)
        if (f) std::rethrow_exception(f);
}

}  // namespace engage_right::detail
