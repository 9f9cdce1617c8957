#!/usr/bin/env python3
"""Where a kernel's warps wait, by source line, from Nsight Compute's source view.

bench/profile.sh writes ncu's source page (`--page source --csv
--print-source cuda,sass`) as profile-source.csv: for each file, its source
lines, each followed by its SASS instructions with their counters. This
script sums the SASS rows into their source line and prints, as markdown:

  - the warp stall samples by reason (share of all samples);
  - the lines holding most samples, with their largest reasons;
  - the lines causing most local-memory traffic (L2 sectors; spills and a
    stack frame that the L1 beside a large shared-memory carve-out does
    not hold);
  - the lines with most excess shared-memory wavefronts (bank conflicts),
    against their ideal.

  ncu_source_summary.py SOURCE.csv [LINES]   (LINES per table, default 12)
"""
import csv
import collections
import sys

SAMPLES = "Warp Stall Sampling (All Samples)"
LOCAL = "L2 Theoretical Sectors Local"
EXCESS = "L1 Wavefronts Shared Excessive"
WAVEFRONTS = "L1 Wavefronts Shared"
IDEAL = "L1 Wavefronts Shared Ideal"


def number(text):
    """A counter as ncu prints it ("1,024"; "-" where it has none)."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return 0


def read(path):
    """Per source line (file, line, text): counters summed over its SASS."""
    lines = collections.OrderedDict()
    stalls = collections.Counter()
    header, where, current = None, "?", None
    with open(path, newline="") as f:
        for row in csv.reader(f):
            if not row:
                continue
            if row[0] == "File Path":
                where = row[1].rsplit("/", 1)[-1] if len(row) > 1 else "?"
                current = None  # SASS rows count from the file's first line
                continue
            if row[0] == "Function Name":
                continue
            if row[0] == "Line No":
                header = {name: i for i, name in enumerate(row)}
                continue
            if header is None:
                continue
            if row[0] != "":  # a source line; its SASS rows follow
                text = row[1].strip()[:70].replace("|", "\\|").replace("`", "'")
                current = (where, int(number(row[0])), text)
                lines.setdefault(current, collections.Counter())
                continue
            if current is None:
                continue
            c = lines[current]
            for name in (SAMPLES, LOCAL, EXCESS, WAVEFRONTS, IDEAL):
                if name in header and header[name] < len(row):
                    c[name] += number(row[header[name]])
            for name, i in header.items():
                if name.startswith("stall_") and "(Not Issued)" not in name and i < len(row):
                    v = number(row[i])
                    if v:
                        c[name] += v
                        stalls[name[len("stall_"):]] += v
    return lines, stalls


def top(counter, n):
    return ", ".join(f"{k[len('stall_'):]} {v:.0f}" for k, v in
                     sorted(((k, v) for k, v in counter.items() if k.startswith("stall_")),
                            key=lambda kv: -kv[1])[:n])


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    try:
        lines, stalls = read(argv[1])
    except OSError as e:
        print(f"ncu_source_summary: {e}", file=sys.stderr)
        return 2
    try:
        n = int(argv[2]) if len(argv) > 2 else 12
    except ValueError:
        print(f"ncu_source_summary: LINES must be a number, got '{argv[2]}'", file=sys.stderr)
        return 2
    total = sum(c[SAMPLES] for c in lines.values())
    if not lines or total == 0:
        print(f"ncu_source_summary: no stall samples in {argv[1]}", file=sys.stderr)
        return 1
    pct = lambda v, t: f"{100.0 * v / t:.1f}%" if t else "-"
    print(f"{total:.0f} warp stall samples over {len(lines)} source lines\n")
    print("| stall reason | share |\n|---|---|")
    for reason, v in stalls.most_common():
        print(f"| {reason} | {pct(v, sum(stalls.values()))} |")
    print("\n| line | samples | largest reasons | source |\n|---|---|---|---|")
    for key, c in sorted(lines.items(), key=lambda kv: -kv[1][SAMPLES])[:n]:
        print(f"| {key[0]}:{key[1]} | {pct(c[SAMPLES], total)} | {top(c, 3)} | `{key[2]}` |")
    local = sum(c[LOCAL] for c in lines.values())
    print(f"\n{local:.0f} L2 sectors of local memory")
    if local:
        print("\n| line | local sectors | source |\n|---|---|---|")
        for key, c in sorted(lines.items(), key=lambda kv: -kv[1][LOCAL])[:n]:
            if c[LOCAL]:
                print(f"| {key[0]}:{key[1]} | {pct(c[LOCAL], local)} | `{key[2]}` |")
    excess = sum(c[EXCESS] for c in lines.values())
    print(f"\n{excess:.0f} excess shared-memory wavefronts of "
          f"{sum(c[WAVEFRONTS] for c in lines.values()):.0f}")
    if excess:
        print("\n| line | excess | wavefronts / ideal | source |\n|---|---|---|---|")
        for key, c in sorted(lines.items(), key=lambda kv: -kv[1][EXCESS])[:n]:
            if c[EXCESS]:
                ratio = f"{c[WAVEFRONTS] / c[IDEAL]:.1f}x" if c[IDEAL] else "-"
                print(f"| {key[0]}:{key[1]} | {pct(c[EXCESS], excess)} | {ratio} | `{key[2]}` |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
