// Trellis-coded quantization (Marcellin & Fischer, "Trellis Coded Quantization of Memoryless and
// Gauss-Markov Sources", IEEE Trans. Commun. 1990): a uniform union code book of 2^(R+1) levels split
// into four subsets D0..D3 (level j belongs to D_(j mod 4)), Ungerboeck's 4-state trellis whose two
// branches out of each state carry one subset each, and a Viterbi search per block for the code
// sequence of least squared error. R bits a weight: 1 bit picks the branch, R - 1 bits the level
// inside the branch's subset. Numerics: docs/numerics.md §9.4.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qp {

constexpr size_t kTcqBlock = 256;
constexpr int kTcqStates = 4;

// The trellis: from state s, branch u (0 or 1) uses subset tcq_subset(s, u) and leads to
// tcq_next_state(s, u). States 0 and 2 draw from D0 ∪ D2, states 1 and 3 from D1 ∪ D3.
int tcq_subset(int state, int branch);
int tcq_next_state(int state, int branch);

// Level j of the union code book for R bits and step delta: (j - (2^(R+1) - 1) / 2) · delta.
float tcq_level(int bits, int j, float delta);
// The step of a block: absmax / (2^R - 1/2), so the outermost levels are ±absmax.
float tcq_step(int bits, float absmax);
// The union step that suits a Gaussian of this rms (Gaussian-optimal step per sigma, measured).
float tcq_gaussian_step(int bits, float rms);
// The nearest level of x in subset d: its index i inside the subset (level j = d + 4i); an exact
// midpoint goes to the lower index.
int tcq_nearest_in_subset(int bits, int d, float x, float delta);

struct TcqBlock {
  float delta = 0;
  std::vector<uint8_t> codes;  // one a weight: branch << (R - 1) | index in subset
  double cost = 0;             // squared error of the chosen path, summed in double
};

// The encoder with its buffers, reused from block to block so a run of blocks allocates nothing.
// It first computes, for every subset and sample, the nearest level, its index and its squared
// error (a loop the compiler vectorises; two samples per f64x2 in wasm SIMD builds), then runs the
// 4-state Viterbi recursion over those errors, and traces back only the winning candidate's path,
// reading the chosen levels and indices it stored. Results equal tcq_encode_*_reference bit for bit.
class TcqEncoder {
 public:
  // As tcq_encode_block / tcq_encode_with_step; the block returned lives until the next call.
  const TcqBlock& encode_block(const float* x, size_t n, int bits, float* out);
  const TcqBlock& encode_with_step(const float* x, size_t n, int bits, float delta, float* out);

 private:
  struct Search {
    float delta = 0;
    std::vector<double> err[4];        // err[d][t]: squared error of sample t's nearest level in D_d
    std::vector<double> index[4];      // index[d][t]: that level's index inside D_d (an integer)
    std::vector<float> level[4];       // level[d][t]: that level's value (tcq_level)
    std::vector<uint8_t> choice;       // bit s of choice[t]: the second branch into s survived
    double cost[4] = {0, 0, 0, 0};     // path cost per end state
  };
  // Fills s for step delta; gives up (returns false) once every path costs at least give_up.
  static bool search(const float* x, size_t n, int bits, float delta, Search& s, double give_up);
  const TcqBlock& trace(const Search& s, size_t n, int bits, float* out);

  Search candidate_[2];
  TcqBlock block_;
};

// Viterbi search over x[0..n) starting in state 0 (the decoder's known start, so no bits for it);
// the best path ends in any state. Fills out[0..n) with the reconstruction. The step is the better
// (lower squared error, the absmax step on a tie) of two candidates: tcq_step(absmax), which never
// clips, and tcq_gaussian_step(rms) when it is smaller.
TcqBlock tcq_encode_block(const float* x, size_t n, int bits, float* out);
// The same search with a given step.
TcqBlock tcq_encode_with_step(const float* x, size_t n, int bits, float delta, float* out);
// Walks the trellis from state 0 along the codes.
void tcq_decode_block(const uint8_t* codes, size_t n, int bits, float delta, float* out);
// The plain implementations (a nearest-level search per subset inside the Viterbi loop, one search
// and decode per candidate), kept to test TcqEncoder against.
TcqBlock tcq_encode_block_reference(const float* x, size_t n, int bits, float* out);
TcqBlock tcq_encode_with_step_reference(const float* x, size_t n, int bits, float delta, float* out);
// Squared error of one code sequence (for the exhaustive check of the Viterbi search).
double tcq_path_cost(const float* x, size_t n, int bits, float delta, const uint8_t* codes);

}  // namespace qp
