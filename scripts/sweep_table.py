#!/usr/bin/env python3
"""Markdown table of `flexmac sweep --csv` outputs, one column pair per model.

usage: scripts/sweep_table.py NAME=FILE.csv [NAME=FILE.csv ...]

Rows follow the first file's grid order; a configuration a file lacks (an
unfinished sweep) shows as "-". Top-1 in percent; d = top-1 minus the same
model's fxp8 row.
"""
import csv
import sys


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["arith"]: r for r in rows}, [r["arith"] for r in rows]


def main(argv):
    if len(argv) < 2 or any("=" not in a for a in argv[1:]):
        sys.stderr.write(__doc__)
        return 2
    models = []
    order = []
    for arg in argv[1:]:
        name, path = arg.split("=", 1)
        rows, names = load(path)
        models.append((name, rows))
        order += [n for n in names if n not in order]
    head = "| # | arithmetic | select | \\|P\\| | GEMMs |" + "".join(f" {m} top-1 % | d |" for m, _ in models)
    print(head)
    print("|" + "---|" * (5 + 2 * len(models)))
    for i, spec in enumerate(order, 1):
        info = next(r[spec] for _, r in models if spec in r)
        npairs = info["npairs"] if info["scheme"] == "axbxp" else ""
        groups = info["gemm_groups"]
        line = f"| {i} | `{spec}` | {info['select']} | {npairs} | {groups} |"
        for _, rows in models:
            r = rows.get(spec)
            base = rows.get("fxp8")
            if r is None:
                line += " - | - |"
                continue
            t1 = 100 * float(r["top1"])
            d = f"{t1 - 100 * float(base['top1']):+.2f}" if base else ""
            line += f" {t1:.2f} | {d} |"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
