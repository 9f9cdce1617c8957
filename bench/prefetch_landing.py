#!/usr/bin/env python3
"""A prototype, measured before it is built into the compiler: the input
copies of a fused chunk loop one chunk ahead, through bf16 landing buffers.

    bench/prefetch_landing.py IN.cu OUT.cu

Rewrites an emitted CUDA kernel source (one-stage fused kernel, 16-bit
inputs) so that every 16-bit input copy whose columns are a multiple of 8
(q, k, v; not the per-token gates):
  - lands by cp.async in a bf16 landing buffer of its own (shared memory
    after the kernel's buffers), issued for chunk c + 1 as soon as chunk c
    has taken its rows out of it, so the loads run under chunk c's work;
  - is taken at the top of each chunk by converting the landing buffer into
    the fp32 stage (rows past the chunk's valid rows zeroed, as the copy
    does), after a cp.async wait and a block barrier.
The kernel's shared-memory size grows by the landing buffers. Rows past the
tensor's end land as zeros; rows of the next sequence (varlen) land and are
zeroed by the conversion. Prints what it did; exits 1 where the source does
not have the expected form.
"""
import re
import sys

HELPERS = r'''
// --- bench/prefetch_landing.py: input copies one chunk ahead (prototype) ---
namespace linac_pf {
using namespace ::linac::tile;
/// Issues cp.async of rows [first, first + R) of g (16-bit, C columns from
/// col, head `head`) into the dense R x C landing buffer at `land`; rows past
/// the tensor's end are zero-filled by the copy.
template <int R, int C>
__device__ __noinline__ void issue(const Global *g, char *land, int64_t first,
                                   int64_t head, int64_t col) {
  const int per = C / 8, n = R * per, lanes = consumer_threads();
  const int64_t avail = g->rows - first;
  const int64_t stride = g->rowStride;
  const char *base = static_cast<const char *>(g->data) + (head * g->headStride + col) * 2;
  for (int e = static_cast<int>(threadIdx.x); e < n; e += lanes) {
    const int r = e / per, o = e - r * per;
    const bool in = r < avail && first + r >= 0;
    const char *src = in ? base + ((first + r) * stride + 8 * o) * 2 : base;
    unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(land + (r * C + 8 * o) * 2));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n"
                 ::"r"(dst), "l"(src), "r"(in ? 16 : 0) : "memory");
  }
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}
/// Every landing buffer's copies complete and visible to the block.
__device__ __noinline__ void arrive() {
  asm volatile("cp.async.wait_all;\n" ::: "memory");
  __syncthreads();
}
/// The landing buffer's rows [0, valid) into dst as fp32 (bf16 or f16 per
/// g's dtype), rows past them zeroed.
template <int R, int C>
__device__ __noinline__ void take(const Global *g, const Tile dst, const char *land,
                                  int64_t valid) {
  const int per = C / 8, n = R * per, lanes = consumer_threads();
  const bool bf = g->dtype == bf16;
  for (int e = static_cast<int>(threadIdx.x); e < n; e += lanes) {
    const int r = e / per, o = e - r * per;
    uint4 h = *reinterpret_cast<const uint4 *>(land + (r * C + 8 * o) * 2);
    if (r >= valid)
      h = make_uint4(0, 0, 0, 0);
    const CopyMode m = bf ? CopyMode::bf16x8 : CopyMode::f16x8;
    float2 a = halves_to_float2(h.x, m), b = halves_to_float2(h.y, m),
           c = halves_to_float2(h.z, m), d = halves_to_float2(h.w, m);
    float4 *to = reinterpret_cast<float4 *>(&dst.at(r, 8 * o));
    to[0] = make_float4(a.x, a.y, b.x, b.y);
    to[1] = make_float4(c.x, c.y, d.x, d.y);
  }
}
} // namespace linac_pf
'''

COPY = re.compile(
    r'^(?P<ind>\s*)Token (?P<tok>k\d+) = copy_async<(?P<R>\d+), (?P<C>\d+)>\(blk, (?P<g>G_\w+), '
    r'(?P<dst>t\d+), (?P<start>[\w.]+), (?P<row>\w+), (?P<valid>\w+), (?P<head>\w+), (?P<col>\w+)\);$')


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    src = open(sys.argv[1]).read()
    lines = src.split('\n')
    kernels = [l for l in lines if l.startswith('  {"') and 'LINAC_KERNEL_FN' in l]
    if len(kernels) != 1 or src.count('for (int64_t') != 1:
        print('prefetch_landing: expected one kernel with one chunk loop')
        return 1
    m = re.search(r'\{"(\w+)", \{[^}]*\}, (\d+), (\d+), (\d+), (\d+),', kernels[0])
    shared = int(m.group(4))
    reserved = int(re.search(r'kReservedSharedBytes == (\d+)', src).group(1))
    end = shared - reserved  # the end of the kernel's own shared buffers
    end = (end + 127) // 128 * 128
    copies = []
    for i, l in enumerate(lines):
        c = COPY.match(l)
        if c and int(c.group('C')) % 8 == 0 and int(c.group('C')) > 1:
            copies.append((i, c))
    if not copies:
        print('prefetch_landing: no 16-bit copy with 8k columns in the loop')
        return 1
    chunk = int(copies[0][1].group('R'))
    # Landing buffers, one per copy.
    land = {}
    offset = end
    for i, c in copies:
        land[i] = offset
        offset += int(c.group('R')) * int(c.group('C')) * 2
    grow = offset - (shared - reserved)
    new_shared = shared + grow
    if new_shared > 232448:
        print(f'prefetch_landing: {new_shared} bytes of shared memory do not fit (227 KiB)')
        return 1
    loop = next(i for i, l in enumerate(lines) if l.lstrip().startswith('for (int64_t'))
    last_wait = max(i for i, l in enumerate(lines) if re.match(r'\s*wait\(blk, k\d+\);', l))
    out = []
    first_copy = copies[0][0]
    lp = lambda i: f'(linacSharedMemory + ::linac::tile::kReservedSharedBytes + {land[i]})'
    for i, l in enumerate(lines):
        if i == loop:
            # Chunk 0's rows land before the loop.
            for j, c in copies:
                out.append(f'  linac_pf::issue<{c.group("R")}, {c.group("C")}>({c.group("g")}, '
                           f'{lp(j)}, {c.group("start")} + 0, {c.group("head")}, {c.group("col")});')
        if i == first_copy:
            out.append(f'{copies[0][1].group("ind")}linac_pf::arrive();')
        hit = next((c for j, c in copies if j == i), None)
        if hit:
            c = hit
            out.append(f'{c.group("ind")}linac_pf::take<{c.group("R")}, {c.group("C")}>({c.group("g")}, '
                       f'{c.group("dst")}, {lp(i)}, {c.group("valid")});')
            out.append(f'{c.group("ind")}Token {c.group("tok")}{{0, 0, 0}};')
            continue
        out.append(l)
        if i == last_wait:
            # The waits' barrier: every thread took its rows; the next chunk's land.
            for j, c in copies:
                out.append(f'{c.group("ind")}linac_pf::issue<{c.group("R")}, {c.group("C")}>('
                           f'{c.group("g")}, {lp(j)}, {c.group("start")} + {c.group("row")} + '
                           f'{chunk}, {c.group("head")}, {c.group("col")});')
    text = '\n'.join(out)
    text = text.replace('using namespace ::linac::tile;\n', 'using namespace ::linac::tile;\n' + HELPERS, 1)
    text = text.replace(f', {shared}, ', f', {new_shared}, ')
    text = re.sub(r'(// linac:kernel \S+ .*?) ' + str(shared) + ' ', r'\g<1> ' + str(new_shared) + ' ', text)
    open(sys.argv[2], 'w').write(text)
    print(f'prefetch_landing: {len(copies)} copies one chunk ahead, shared memory {shared} -> {new_shared} bytes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
