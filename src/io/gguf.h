// GGUF (llama.cpp / ggml) files, versions 2 and 3: metadata and tensor infos.
//
// Listing reads only the header, through a buffered cursor (gguf_cursor.h), and never the
// tensor data. Metadata values become readable text (gguf_metadata.h). Shapes are C order, the
// reverse of ggml's ne[]. Plain types (F32/F16/BF16/F64/I8/I16/I32/I64) and the ggml blocks
// Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 and the K-quants Q2_K..Q6_K are readable; other ggml types (Q8_K,
// IQ*, ...) and unknown type ids are listed with DType::Unsupported and a `problem`, as are
// tensors with a misaligned offset, data outside the file, a row that is not whole blocks or
// impossible dimensions.
// A header that cannot be parsed (bad magic, version 1 or unknown, big-endian, counts or
// lengths larger than the file, unknown value type, arrays nested too deep, n_dims > 4,
// general.alignment not a power of two, truncation) throws qp::Error "<file>: <key or tensor>:
// <what is wrong>".
#pragma once
#include <memory>

#include "io/model.h"

namespace qp::io {

Model open_gguf(std::shared_ptr<ByteSource> file);

}  // namespace qp::io
