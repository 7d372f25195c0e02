#!/usr/bin/env python3
"""bench/aggregate.py: the README's Performance table from several runs of
viosim-bench (their --json files): for each figure, the median of the runs'
medians, and the smallest min and the largest max of the runs; each ratio
recomputed from those medians.

Usage: aggregate.py RUN.json... > table.md
"""
import json
import statistics
import sys


def main(paths):
    runs = [json.load(open(p)) for p in paths]
    figs = {}
    order = []
    for r in runs:
        for f in r["figures"]:
            if f["name"] not in figs:
                figs[f["name"]] = []
                order.append(f["name"])
            figs[f["name"]].append(f)
    med = {n: statistics.median(f["median"] for f in figs[n]) for n in order}
    m = runs[0]["machine"]
    print("Medians of %d runs of `viosim-bench --%s` (%s build, %s), %d CPUs: %s, %s %s."
          % (len(runs), runs[0]["mode"], runs[0]["build"]["type"],
             runs[0]["build"]["c_flags"].strip(), m["cpus_online"], m["cpu_model"], m["os"],
             m["os_release"]))
    print("Spread: the smallest min and the largest max of every run.\n")
    print("| group | figure | unit | median | min | max |")
    print("|---|---|---|--:|--:|--:|")
    for n in order:
        fs = figs[n]
        print("| %s | %s | %s | %.4g | %.4g | %.4g |"
              % (fs[0]["group"], n, fs[0]["unit"], med[n], min(f["min"] for f in fs),
                 max(f["max"] for f in fs)))
    print("\n| target | value | at most | met |")
    print("|---|--:|--:|---|")
    for r in runs[0]["ratios"]:
        if r["figure"] not in med:
            print("| %s | not measured | %g | - |" % (r["name"], r["target_max"]))
            continue
        base = med.get(r["baseline"], r["baseline_value"])
        v = med[r["figure"]] / base
        print("| %s | %.2f | %g | %s |" % (r["name"], v, r["target_max"],
                                          "yes" if v <= r["target_max"] else "no"))


if __name__ == "__main__":
    main(sys.argv[1:])
