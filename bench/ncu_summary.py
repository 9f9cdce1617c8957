#!/usr/bin/env python3
"""What stands in the way of each kernel, from Nsight Compute, in one table.

bench/profile-summary.sh runs ncu once per benchmark case with the metrics
this script picks and turns its CSV into a markdown row per kernel: time,
issue slots busy, eligible warps per scheduler, SM / memory / DRAM / L2
throughput, tensor-core and MUFU (XU) pipe utilisation, and the largest
stall reasons. Metric names differ between ncu versions, so `metrics`
chooses, for each quantity, the first candidate name that this ncu lists
(`ncu --query-metrics` output), and `report` labels what it finds.

  ncu_summary.py metrics QUERY.txt      -> the --metrics argument
  ncu_summary.py header                 -> the table's header rows
  ncu_summary.py report CASE RAW.csv    -> one row per kernel (first launch)
"""
import csv
import re
import sys

# (label, candidate metric names with their suffix; the first whose base
# name ncu lists is used).
QUANTITIES = [
    ("ms", ["gpu__time_duration.sum"]),
    ("issue %", ["smsp__issue_active.avg.pct_of_peak_sustained_active"]),
    ("eligible", ["smsp__warps_eligible.avg.per_cycle_active"]),
    ("SM %", ["sm__throughput.avg.pct_of_peak_sustained_elapsed"]),
    ("memory %", ["gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed"]),
    ("DRAM %", ["dram__throughput.avg.pct_of_peak_sustained_elapsed"]),
    ("L2 %", ["lts__throughput.avg.pct_of_peak_sustained_elapsed"]),
    ("tensor %", ["sm__pipe_tensor_op_gmma_cycles_active.avg.pct_of_peak_sustained_active",
                  "sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active",
                  "sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active"]),
    ("MUFU %", ["sm__pipe_xu_cycles_active.avg.pct_of_peak_sustained_active",
                "sm__inst_executed_pipe_xu.avg.pct_of_peak_sustained_active"]),
    # Counts, in millions: the warps' instructions, and the shared-memory
    # wavefronts they cost (a bank conflict or a wide access is several).
    ("instructions M", ["sm__inst_executed.sum"]),
    ("shared wavefronts M", ["l1tex__data_pipe_lsu_wavefronts_mem_shared.sum"]),
]
STALLS = ["barrier", "long_scoreboard", "short_scoreboard", "wait", "no_instruction",
          "math_pipe_throttle", "mio_throttle", "lg_throttle", "membar", "branch_resolving",
          "dispatch_stall", "not_selected", "selected", "sleeping", "gmma"]
STALL_FORMS = ["smsp__average_warps_issue_stalled_{}_per_issue_active.ratio",
               "smsp__average_warp_latency_issue_stalled_{}.ratio",
               "smsp__warp_issue_stalled_{}_per_warp_active.pct"]


def base(metric):
    return metric.split(".")[0]


def available(query_text):
    """Base metric names in `ncu --query-metrics` output (first column)."""
    names = set()
    for line in query_text.splitlines():
        m = re.match(r"^([a-z0-9_]+__[a-z0-9_]+)\b", line.strip())
        if m:
            names.add(m.group(1))
    return names


def choose(names):
    """label -> metric, and stall reason -> metric, for the names ncu has."""
    picked = {}
    for label, candidates in QUANTITIES:
        for c in candidates:
            if base(c) in names:
                picked[label] = c
                break
    stalls = {}
    for form in STALL_FORMS:
        found = {r: form.format(r) for r in STALLS if base(form.format(r)) in names}
        if found:
            stalls = found
            break
    return picked, stalls


def number(text):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def rows(raw_csv):
    """Kernel rows of `ncu --csv --page raw` (the units row skipped)."""
    reader = csv.DictReader(raw_csv.splitlines())
    for row in reader:
        if number(row.get("ID", "")) is None:
            continue  # the units row
        yield row


def report(case, raw_csv, names=None):
    out = []
    seen = set()
    for row in rows(raw_csv):
        kernel = re.sub(r"_entry.*$", "", row.get("Kernel Name", "?"))
        if kernel in seen:
            continue  # a later launch of the same kernel
        seen.add(kernel)
        picked, stalls = choose(names if names is not None else {base(k) for k in row})
        cells = []
        for label, _ in QUANTITIES:
            v = number(row.get(picked.get(label, ""), ""))
            if v is not None and (label == "ms" or label.endswith(" M")):
                v /= 1e6  # ncu reports ns; counts in millions
            cells.append("" if v is None else f"{v:.3f}" if label == "ms" else f"{v:.2f}"
                         if label == "eligible" else f"{v:.1f}")
        values = [(r, number(row.get(m, ""))) for r, m in stalls.items()]
        values = [(r, v) for r, v in values if v is not None]
        total = sum(v for _, v in values)
        top = sorted(values, key=lambda rv: -rv[1])[:4]
        stall_text = ", ".join(f"{r} {100 * v / total:.0f}%" for r, v in top) if total else ""
        out.append(f"| {case} | {kernel} | " + " | ".join(cells) + f" | {stall_text} |")
    if not out:
        raise SystemExit(f"ncu_summary: no kernel rows for {case}")
    return "\n".join(out)


def header():
    labels = [label for label, _ in QUANTITIES]
    return ("| case | kernel | " + " | ".join(labels) + " | where the warps' cycles go (largest states, share) |\n"
            + "|" + "---|" * (len(labels) + 3))


def main(argv):
    if len(argv) >= 3 and argv[1] == "metrics":
        picked, stalls = choose(available(open(argv[2]).read()))
        print(",".join(list(picked.values()) + list(stalls.values())))
    elif len(argv) == 2 and argv[1] == "header":
        print(header())
    elif len(argv) == 4 and argv[1] == "report":
        print(report(argv[2], open(argv[3]).read()))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
