#include "nn/dataset.h"

#include <string>

#include "core/error.h"

namespace qp::nn {

Dataset Dataset::slice(size_t begin, size_t n) const {
  if (begin > count || n > count - begin)
    throw Error("samples " + std::to_string(begin) + ".." + std::to_string(begin + n) + " are outside a set of " +
                std::to_string(count));
  Dataset d;
  d.sample = sample;
  d.count = n;
  const size_t s = sample.size();
  d.inputs.assign(inputs.begin() + begin * s, inputs.begin() + (begin + n) * s);
  if (!labels.empty()) d.labels.assign(labels.begin() + begin, labels.begin() + begin + n);
  return d;
}

}  // namespace qp::nn
