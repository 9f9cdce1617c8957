#!/usr/bin/env python3
"""Per-op cycle counts of an emitted CUDA kernel (bench/op-profile.sh).

  op_profile.py instrument KERNEL.cu TAG  rewrites KERNEL.cu in place: thread 0
      of block (0, 0, 0) reads clock64() after each op of every kernel's chunk
      loop, sums the cycles per op over the loop's iterations and prints them
      when the loop ends ("linac-prof TAG KERNEL K CYCLES" lines), with the
      op's source line recorded in a comment ("// linac-prof-op TAG KERNEL K
      TEXT"); TAG (a word) tells one source's lines from another's;
  op_profile.py report KERNEL.cu LOG      the table: cycles per op (the last
      launch's), share of the loop, the op's line; ops end with a barrier, so
      thread 0's time after an op is close to the block's.
Plain Python, no GPU needed for either step (the run is the caller's).
"""
import re
import sys

PRELUDE = r'''
// linac-prof: per-op cycle counters (bench/op_profile.py)
__device__ unsigned long long linacProf[512];
__device__ unsigned long long linacProfLast;
#define LINAC_PROF_ON (threadIdx.x == 0 && blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0)
#define LINAC_PROF_RESET(N) if (LINAC_PROF_ON) { for (int k_ = 0; k_ < (N); ++k_) linacProf[k_] = 0; }
#define LINAC_PROF_START() if (LINAC_PROF_ON) { linacProfLast = clock64(); }
#define LINAC_PROF(k) if (LINAC_PROF_ON) { unsigned long long n_ = clock64(); linacProf[k] += n_ - linacProfLast; linacProfLast = n_; }
#ifdef __CUDACC_RTC__
extern "C" __device__ int vprintf(const char *, const char *);
#endif
struct LinacProfLine { const char *name; long long k; unsigned long long cycles; };
#define LINAC_PROF_DUMP(name, first, n) if (LINAC_PROF_ON) { for (int k_ = (first); k_ < (first) + (n); ++k_) { LinacProfLine a_{name, k_, linacProf[k_]}; vprintf("linac-prof " LINAC_PROF_TAG " %s %lld %llu\n", reinterpret_cast<const char *>(&a_)); } }
'''

CALL = re.compile(r'^\s*(?:Token \w+ = )?([a-z_0-9]+)(?:<[^>]*>)?\(blk')


def instrument(path, tag):
    src = open(path).read().split("\n")
    out, ops, k = [], [], 0
    i = 0
    kernel = None
    while i < len(src):
        line = src[i]
        out.append(line)
        if line.startswith("#include"):
            out.append(f'#define LINAC_PROF_TAG "{tag}"' + PRELUDE)
        m = re.match(r'^LINAC_KERNEL\((\w+)\)', line)
        if m:
            kernel = m.group(1)
        # The chunk loop: the first `for` at the kernel body's top level.
        if kernel and line.startswith("  for (") and line.endswith("{"):
            first = k
            body = []
            i += 1
            while not src[i].startswith("  }"):
                body.append(src[i])
                i += 1
            out.insert(len(out) - 1, f"  LINAC_PROF_RESET(512);")
            out.append("    LINAC_PROF_START();")
            for b in body:
                out.append(b)
                mm = CALL.match(b)
                if mm and b.startswith("    ") and not b.startswith("     ") and b.endswith(";"):
                    out.append(f"    LINAC_PROF({k});")
                    ops.append(f"// linac-prof-op {tag} {kernel} {k} {b.strip()}")
                    k += 1
            out.append(src[i])  # the loop's closing brace
            out.append(f'  LINAC_PROF_DUMP("{kernel}", {first}, {k - first});')
            kernel = None
        i += 1
    out += ops
    open(path, "w").write("\n".join(out) + "\n")
    print(f"{path}: {k} ops instrumented")


def report(path, log):
    labels, tag = {}, None
    for line in open(path):
        m = re.match(r'// linac-prof-op (\w+) (\w+) (\d+) (.*)', line)
        if m:
            tag = m.group(1)
            labels[int(m.group(3))] = (m.group(2), m.group(4))
    cycles = {}
    for line in open(log):
        m = re.match(r'linac-prof (\w+) (\w+) (\d+) (\d+)', line.strip())
        if m and m.group(1) == tag:
            cycles[int(m.group(3))] = int(m.group(4))  # the last launch's
    if not cycles:
        print("op_profile: no linac-prof lines in the log")
        return 1
    by_kernel = {}
    for k, (kern, _) in labels.items():
        by_kernel.setdefault(kern, []).append(k)
    for kern, ks in by_kernel.items():
        total = sum(cycles.get(k, 0) for k in ks)
        print(f"\n{kern}: {total} cycles in the chunk loop of block (0, 0, 0)\n")
        print("| op | cycles | share | line |")
        print("|---|---|---|---|")
        for k in ks:
            c = cycles.get(k, 0)
            print(f"| {k} | {c} | {100.0 * c / max(total, 1):.1f}% | `{labels[k][1][:110]}` |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "instrument":
        instrument(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        sys.exit(report(sys.argv[2], sys.argv[3]))
    else:
        print(__doc__)
        sys.exit(2)
