// Data-parallel loops over a fixed set of worker threads, for the matmul kernels.
//
// Threads exist only in builds that define QP_THREADS (native builds and the pthreads
// WebAssembly build, which the page loads only when it is cross-origin isolated). Everywhere else
// parallel_for runs every task inline on the calling thread, so callers need no #ifdef.
//
// The workers are created on the first parallel_for after set_thread_count(n > 1) and then wait on
// a condition variable between jobs; the calling thread takes tasks too. Tasks must not throw
// (validate before the loop) and must write disjoint memory.
#pragma once
#include <cstddef>
#include <functional>

namespace qp {

// Total threads a parallel_for may use, the caller included: clamped to [1, kMaxThreads]. In a
// build without threads the count stays 1.
constexpr int kMaxThreads = 16;
void set_thread_count(int n);
int thread_count();
bool threads_available();  // whether this build was compiled with threads

// Runs fn(t) for every t in [0, tasks) exactly once, spread over the threads; returns when all
// are done. With one thread (or one task) it is a plain loop on the calling thread.
void parallel_for(size_t tasks, const std::function<void(size_t)>& fn);

}  // namespace qp
