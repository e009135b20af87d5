// The thread pool (core/thread_pool.h) and the threaded matmul drivers. Natively the build has
// threads, so these run the real pool; in the single-thread wasm builds parallel_for is a loop
// and the same assertions hold.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/gemm_f32.h"
#include "kernels/gemm_q8.h"

namespace {

struct ThreadCount {  // restores one thread when a test case ends, pass or fail
  explicit ThreadCount(int n) { qp::set_thread_count(n); }
  ~ThreadCount() { qp::set_thread_count(1); }
};

}  // namespace

TEST_CASE("parallel_for runs every task exactly once, with any thread count, many times over") {
  for (int threads : {1, 2, 3, 5}) {
    ThreadCount scope(threads);
    CHECK(qp::thread_count() == (qp::threads_available() ? threads : 1));
    for (size_t tasks : {0u, 1u, 2u, 7u, 100u}) {
      for (int round = 0; round < 200; ++round) {
        std::vector<std::atomic<int>> hits(tasks);
        qp::parallel_for(tasks, [&](size_t t) { hits[t].fetch_add(1); });
        for (size_t t = 0; t < tasks; ++t) {
          INFO("threads=" << threads << " tasks=" << tasks << " round=" << round << " task=" << t);
          REQUIRE(hits[t].load() == 1);
        }
      }
    }
  }
}

TEST_CASE("set_thread_count clamps to [1, kMaxThreads]") {
  ThreadCount scope(1000);
  CHECK(qp::thread_count() == (qp::threads_available() ? qp::kMaxThreads : 1));
  qp::set_thread_count(-3);
  CHECK(qp::thread_count() == 1);
}

TEST_CASE("threaded gemm_q8 and gemm_f32 equal their references") {
  namespace k = qp::kernels;
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  struct Shape { size_t m, k, n; };
  for (int threads : {2, 3}) {
    ThreadCount scope(threads);
    for (Shape s : {Shape{64, 784, 256}, Shape{37, 300, 257}, Shape{100, 257, 100}}) {
      INFO("threads=" << threads << " M=" << s.m << " K=" << s.k << " N=" << s.n);
      std::vector<uint8_t> a(s.m * s.k), b(s.k * s.n);
      for (auto& v : a) v = static_cast<uint8_t>(byte(rng));
      for (auto& v : b) v = static_cast<uint8_t>(byte(rng));
      std::vector<int32_t> zb(s.n);
      for (auto& z : zb) z = byte(rng) - 128;
      const auto packed = k::pack_q8_weights({b.data(), true}, s.k, s.n, s.n, 1, zb);
      std::vector<int32_t> want(s.m * s.n), got(s.m * s.n);
      k::gemm_q8_ref(s.m, s.n, s.k, {a.data(), false}, s.k, 77, {b.data(), true}, s.n, zb.data(), want.data(), s.n);
      k::gemm_q8(s.m, {a.data(), false}, s.k, 77, packed, got.data(), s.n);
      CHECK(got == want);

      std::vector<float> af(s.m * s.k), bf(s.k * s.n), cw(s.m * s.n), cg(s.m * s.n);
      for (auto& v : af) v = normal(rng);
      for (auto& v : bf) v = normal(rng);
      k::gemm_f32_ref(s.m, s.n, s.k, af.data(), s.k, bf.data(), s.n, cw.data(), s.n);
      k::gemm_f32(s.m, af.data(), s.k, k::pack_f32_weights(bf.data(), s.k, s.n, s.n, 1), cg.data(), s.n);
      CHECK(std::memcmp(cw.data(), cg.data(), cw.size() * sizeof(float)) == 0);
    }
  }
}
