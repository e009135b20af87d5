// NumPy .npz archives (zip of .npy members, stored or deflated).
#pragma once
#include <memory>

#include "io/model.h"

namespace qp::io {

// Lists every member array; stored members are read in place, deflated ones through `inflater`.
Model open_npz(std::shared_ptr<ByteSource> file, Inflater* inflater);

}  // namespace qp::io
