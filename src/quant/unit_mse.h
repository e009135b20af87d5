// The mean squared error of each unit of a layout (per channel / group / block), as run_scheme
// reports it: per unit, the squared differences in double summed in the unit's index order,
// divided by the unit's size. Internal to src/quant.
#pragma once
#include <cstddef>
#include <vector>

#include "quant/scheme_units.h"

namespace qp {

// One pass over x and y in memory order (UnitLayout::for_each_row), no copies. A single unit gives
// {whole_mse} without a pass, as before.
std::vector<double> unit_mse(const float* x, const float* y, const UnitLayout& layout, double whole_mse);

// The plain version it replaced: gather each unit's values, then sum. For the tests, which
// require the same bits from unit_mse.
std::vector<double> unit_mse_reference(const float* x, const float* y, const UnitLayout& layout, double whole_mse);

}  // namespace qp
