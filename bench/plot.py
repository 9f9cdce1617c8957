#!/usr/bin/env python3
"""Draws a benchmark table (bench/bench.py's markdown) as an SVG: time
against sequence length, one panel per variant with cases at several
lengths (GDN, KDA), lines for linac, FLA and the floor, log-scale time.

    bench/plot.py TABLE.md [-o OUT.svg]

FLA's points are its time measured in the same run where there is one,
else ANCHORS.md's (drawn hollow, and named so in the legend). Only the
default config's row of a case is drawn. Plain Python: no plotting library
is needed on the machine that draws it."""
import argparse
import math
import re
import sys

CASE = re.compile(r"^(\w+) (\d+)x(\d+)x(\d+)$")  # variant BxTxH


def number(cell):
    try:
        return float(cell)
    except ValueError:
        return None


def read_rows(path):
    """Per variant: [(T, case, linac ms, floor ms, FLA ms, FLA measured?)]."""
    series, seen = {}, set()
    header = None
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| case |"):
            header = cells
            continue
        if header is None or not line.startswith("|") or line.startswith("|---"):
            continue
        row = dict(zip(header, cells))
        m = CASE.match(row.get("case", ""))
        if not m or row["case"] in seen:
            continue  # not a BxTxH case, or another config of one
        seen.add(row["case"])
        linac, floor = number(row.get("linac ms", "")), number(row.get("floor ms", ""))
        if linac is None or floor is None:
            continue
        fla = number(row.get("FLA ms (this run)", ""))
        measured = fla is not None
        if fla is None:
            fla = number(row.get("FLA ms (ANCHORS)", ""))
        series.setdefault(m.group(1), []).append(
            (int(m.group(3)), row["case"], linac, floor, fla, measured))
    return {v: sorted(p) for v, p in series.items() if len({t for t, *_ in p}) > 1}


def svg(series, title):
    H, left, top, pw, ph, gap = 340, 70, 50, 340, 220, 40
    width = left + len(series) * (pw + gap + left) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{H + 60}" '
           'font-family="sans-serif" font-size="12">',
           f'<text x="10" y="20" font-size="14">{title}</text>']
    colors = {"linac": "#c0392b", "FLA": "#2471a3", "floor": "#7f8c8d"}
    for k, (variant, points) in enumerate(sorted(series.items())):
        x0 = left + k * (pw + gap + left)
        ts = [p[0] for p in points]
        values = [v for p in points for v in (p[2], p[3], p[4]) if v]
        lo = math.floor(math.log10(min(values)))
        hi = math.ceil(math.log10(max(values)))
        tlo, thi = math.log2(min(ts)), math.log2(max(ts))
        def X(t):
            return x0 + (math.log2(t) - tlo) / max(thi - tlo, 1e-9) * pw
        def Y(ms):
            return top + ph - (math.log10(ms) - lo) / max(hi - lo, 1e-9) * ph
        out.append(f'<text x="{x0}" y="{top - 12}" font-size="13">{variant}</text>')
        out.append(f'<rect x="{x0}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
        for e in range(lo, hi + 1):
            y = Y(10 ** e)
            out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + pw}" y2="{y:.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{10.0 ** e:g} ms</text>')
        for t, case, *_ in points:
            out.append(f'<text x="{X(t):.1f}" y="{top + ph + 16}" text-anchor="middle">{t}</text>')
            out.append(f'<text x="{X(t):.1f}" y="{top + ph + 30}" text-anchor="middle" '
                       f'font-size="10">{case.split()[1]}</text>')
        out.append(f'<text x="{x0 + pw / 2}" y="{top + ph + 46}" text-anchor="middle">'
                   'sequence length T (case B x T x H)</text>')
        for name, index in (("linac", 2), ("floor", 3), ("FLA", 4)):
            pts = [(X(p[0]), Y(p[index]), p) for p in points if p[index]]
            if len(pts) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts)
                dash = ' stroke-dasharray="5,4"' if name == "floor" else ""
                out.append(f'<polyline points="{path}" fill="none" stroke="{colors[name]}" '
                           f'stroke-width="2"{dash}/>')
            for x, y, p in pts:
                hollow = name == "FLA" and not p[5]
                fill = "white" if hollow else colors[name]
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{fill}" '
                           f'stroke="{colors[name]}"><title>{name} {p[1]}: {p[index]:g} ms'
                           f'{" (ANCHORS.md)" if hollow else ""}</title></circle>')
    ly = H + 40
    for i, (name, label) in enumerate((("linac", "linac"),
                                       ("FLA", "FLA (filled: this run; hollow: ANCHORS.md)"),
                                       ("floor", "floor (bytes / copy rate, FLOPs / matmul rate)"))):
        x = 20 + i * 230
        out.append(f'<line x1="{x}" y1="{ly}" x2="{x + 24}" y2="{ly}" stroke="{colors[name]}" '
                   f'stroke-width="2"/><text x="{x + 30}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("table", help="a markdown table written by bench/bench.py")
    p.add_argument("-o", "--out", default="", help="the SVG (default: TABLE with .svg)")
    a = p.parse_args()
    series = read_rows(a.table)
    if not series:
        sys.exit(f"plot: {a.table}: no variant with cases at two or more sequence lengths")
    title = "forward time vs sequence length"
    for line in open(a.table):
        if line.startswith("# ") and "median" in line:
            title = line[2:].split(",")[0] + ": " + title
            break
    out = a.out or re.sub(r"\.md$", "", a.table) + ".svg"
    with open(out, "w") as f:
        f.write(svg(series, title))
    print(f"plot: {out} ({', '.join(sorted(series))})")


if __name__ == "__main__":
    main()
