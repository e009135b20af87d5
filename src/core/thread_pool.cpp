#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>

#if defined(QP_THREADS)
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace qp {

namespace {

int g_threads = 1;

#if defined(QP_THREADS)
// One job's shared state. Workers hold it through a shared_ptr, so a worker that wakes up late
// (after the job finished and its caller returned) only sees an exhausted counter and never
// touches the caller's function.
struct Job {
  const std::function<void(size_t)>* fn = nullptr;
  size_t tasks = 0;
  int workers = 0;  // how many of the pool's workers may take part (the rest sit this job out)
  std::atomic<size_t> next{0};
  size_t finished = 0;  // guarded by Pool::mutex
};

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  void run(size_t tasks, const std::function<void(size_t)>& fn, int threads) {
    ensure_workers(threads - 1);
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->tasks = tasks;
    job->workers = threads - 1;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      ++generation_;
    }
    wake_.notify_all();
    work_on(*job);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return job->finished == job->tasks; });
    job_.reset();
  }

 private:
  void ensure_workers(int wanted) {
    while (static_cast<int>(workers_.size()) < wanted) {
      const int index = static_cast<int>(workers_.size());
      workers_.emplace_back([this, index] { loop(index); });
    }
  }

  void loop(int index) {
    unsigned long long seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || (generation_ != seen && job_); });
        if (stop_) return;
        seen = generation_;
        job = job_;
      }
      if (index < job->workers) work_on(*job);
    }
  }

  void work_on(Job& job) {
    size_t done_here = 0;
    for (size_t t; (t = job.next.fetch_add(1)) < job.tasks; ++done_here) (*job.fn)(t);
    if (done_here == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    job.finished += done_here;
    if (job.finished == job.tasks) done_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  std::shared_ptr<Job> job_;
  unsigned long long generation_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}
#endif

}  // namespace

bool threads_available() {
#if defined(QP_THREADS)
  return true;
#else
  return false;
#endif
}

void set_thread_count(int n) { g_threads = threads_available() ? std::clamp(n, 1, kMaxThreads) : 1; }

int thread_count() { return g_threads; }

void parallel_for(size_t tasks, const std::function<void(size_t)>& fn) {
#if defined(QP_THREADS)
  if (g_threads > 1 && tasks > 1) {
    pool().run(tasks, fn, std::min<int>(g_threads, static_cast<int>(std::min<size_t>(tasks, kMaxThreads))));
    return;
  }
#endif
  for (size_t t = 0; t < tasks; ++t) fn(t);
}

}  // namespace qp
