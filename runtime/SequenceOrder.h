//===- SequenceOrder.h - which sequence each block row takes ----------------===//
//
// Every kernel's grid starts with (sequence, head), and the GPU starts
// blocks in order of their index, x fastest: sequence by sequence for head
// 0, then for head 1, ... A varlen batch whose longest sequence comes late
// in that order starts it late, after the SMs filled with shorter ones: for
// the benchmark's 16-sequence batch at 16 heads on 132 SMs, 220 chunk times
// until the last block ends, against 141 (the longest sequence alone) when
// every head of the longest sequence starts first, then the next longest
// (longest processing time first). The runtime passes that order, and the
// tile libraries map block (x, y) through it (launch_position).
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_RUNTIME_SEQUENCEORDER_H
#define LINAC_RUNTIME_SEQUENCEORDER_H

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace linac {

/// The sequences of `cuSeqlens` (N + 1 offsets), longest first (ties in
/// their order); empty where the order cannot matter: no offsets, one
/// sequence, or all of one length.
inline std::vector<int64_t> longestFirst(const std::vector<int64_t> &cuSeqlens) {
  if (cuSeqlens.size() < 3)
    return {};
  const size_t n = cuSeqlens.size() - 1;
  auto length = [&](int64_t s) { return cuSeqlens[s + 1] - cuSeqlens[s]; };
  bool equal = true;
  for (size_t s = 1; s < n && equal; ++s)
    equal = length(s) == length(0);
  if (equal)
    return {};
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return length(a) > length(b); });
  return order;
}

} // namespace linac

#endif
