#!/usr/bin/env python3
"""viosim's coverage report (the coverage preset's `make check` runs it).

  coverage.py zero BUILD
      delete every .gcda counter file under BUILD, so that the next test run
      is measured alone (gcov counters accumulate across runs);
  coverage.py report --gcovr GCOVR --root SRC --build BUILD --out DIR
      run gcovr once over the counters in BUILD and write into DIR (emptied
      first):
        index.html     line and branch coverage, with a page per source file
        files.json     gcovr's per-file summary (--json-summary-pretty)
        modules.tsv    one line per module (below)
        summary.txt    the module table for people, and gcovr's totals
  coverage.py modules FILES_JSON
      print the modules.tsv of a gcovr per-file summary (used by the tests).

gcovr runs with the source tree as root, the build as object directory and
only search path (without it gcovr would also read the counters of every
other build under the root), one gcov at a time (gcovr 5.2 hangs with -j
when a worker fails), and exactly two more options: tests excluded (--exclude '.*/tests/.*') and
branches the compiler made unreachable left out
(--exclude-unreachable-branches). The CI gate (.ci/coverage-gate) judges the
figures of modules.tsv; the conformance report shows them (viosim ...
--coverage FILE).

modules.tsv: a header line, then per module (the first folder of a file's
path) the lines covered and total, the line percentage, the branches covered
and total, the branch percentage, all tab-separated. The gated modules come
first (model, sim, frontend, backend), then `gated` (the four together), then
the other modules in name order. A percentage is covered/total floored to two
decimals (integer arithmetic, so the figure is never rounded up past a
floor); a module with no branches shows 100.00.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

GATED = ("model", "sim", "frontend", "backend")
GATED_TOTAL = "gated"
HEADER = (
    "module",
    "lines_covered",
    "lines_total",
    "line_pct",
    "branches_covered",
    "branches_total",
    "branch_pct",
)
GCOVR_FILTERS = ["--exclude", ".*/tests/.*", "--exclude-unreachable-branches"]


def pct(covered, total):
    """covered/total in percent, floored to two decimals, as text."""
    if total == 0:
        return "100.00"
    hundredths = covered * 10000 // total
    return "%d.%02d" % (hundredths // 100, hundredths % 100)


def module_rows(summary):
    """[(module, lines_cov, lines_total, br_cov, br_total)] from gcovr's
    --json-summary output, in modules.tsv order."""
    sums = {}
    for entry in summary["files"]:
        name = entry["filename"].replace(os.sep, "/")
        module = name.split("/", 1)[0] if "/" in name else "."
        row = sums.setdefault(module, [0, 0, 0, 0])
        row[0] += int(entry["line_covered"])
        row[1] += int(entry["line_total"])
        row[2] += int(entry["branch_covered"])
        row[3] += int(entry["branch_total"])
    rows = []
    gated = [0, 0, 0, 0]
    for module in GATED:
        row = sums.pop(module, [0, 0, 0, 0])
        rows.append((module, *row))
        gated = [a + b for a, b in zip(gated, row)]
    rows.append((GATED_TOTAL, *gated))
    for module in sorted(sums):
        rows.append((module, *sums[module]))
    return rows


def modules_tsv(rows):
    lines = ["\t".join(HEADER)]
    for module, lc, lt, bc, bt in rows:
        lines.append("\t".join([module, str(lc), str(lt), pct(lc, lt), str(bc), str(bt), pct(bc, bt)]))
    return "\n".join(lines) + "\n"


def summary_txt(rows, gcovr_summary):
    out = ["viosim code coverage (make check; tests excluded; gcovr "
           + " ".join(GCOVR_FILTERS[2:]) + ")", ""]
    out.append("%-10s  %-24s  %s" % ("module", "lines", "branches"))
    for module, lc, lt, bc, bt in rows:
        out.append("%-10s  %-24s  %s" % (module, "%s%% (%d of %d)" % (pct(lc, lt), lc, lt),
                                         "%s%% (%d of %d)" % (pct(bc, bt), bc, bt)))
    out.append("")
    out.append("gated: %s together; the CI gate (.ci/coverage-gate) wants each"
               % ", ".join(GATED))
    out.append("at 95% lines and 85% branches or more.")
    out.append("")
    out.append("gcovr, all modules:")
    out.append(gcovr_summary.rstrip())
    return "\n".join(out) + "\n"


def cmd_zero(args):
    removed = 0
    for dirpath, _dirs, files in os.walk(args.build):
        for f in files:
            if f.endswith(".gcda"):
                os.remove(os.path.join(dirpath, f))
                removed += 1
    print("coverage: removed %d counter files under %s" % (removed, args.build))
    return 0


def cmd_report(args):
    gcovr = args.gcovr
    if not gcovr or gcovr.endswith("-NOTFOUND") or shutil.which(gcovr) is None:
        sys.stderr.write(
            "coverage: gcovr not found (%s); the coverage report needs it: "
            "apt-get install gcovr (or pip install gcovr), then configure again\n"
            % (gcovr or "not configured"))
        return 2
    root = os.path.abspath(args.root)
    build = os.path.abspath(args.build)
    out = os.path.abspath(args.out)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    files_json = os.path.join(out, "files.json")
    # The build is also the one search path: by default gcovr searches the
    # whole root, and would merge the counters of every other build under it
    # (build/*) into this one's.
    cmd = [gcovr, "-r", ".", "--object-directory", build, *GCOVR_FILTERS,
           "--html-details", os.path.join(out, "index.html"),
           "--html-title", "viosim code coverage",
           "--json-summary-pretty", "--json-summary", files_json,
           "--print-summary", build]
    proc = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.stderr.write("coverage: gcovr failed (exit %d): %s\n"
                         "coverage: (an object compiled from an older version of its source? "
                         "build everything, then run the tests again)\n"
                         % (proc.returncode, " ".join(cmd)))
        return 2
    with open(files_json, encoding="utf-8") as f:
        rows = module_rows(json.load(f))
    if rows[len(GATED)][2] == 0:
        sys.stderr.write("coverage: no coverage data under %s: build with VIOSIM_COVERAGE=ON "
                         "and run the tests first\n" % build)
        return 2
    with open(os.path.join(out, "modules.tsv"), "w", encoding="utf-8") as f:
        f.write(modules_tsv(rows))
    text = summary_txt(rows, proc.stdout)
    with open(os.path.join(out, "summary.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)
    print("coverage: report in %s (index.html, summary.txt, modules.tsv)" % out)
    return 0


def cmd_modules(args):
    with open(args.files_json, encoding="utf-8") as f:
        sys.stdout.write(modules_tsv(module_rows(json.load(f))))
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="coverage.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("zero")
    p.add_argument("build")
    p.set_defaults(func=cmd_zero)
    p = sub.add_parser("report")
    p.add_argument("--gcovr", default="gcovr")
    p.add_argument("--root", required=True)
    p.add_argument("--build", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("modules")
    p.add_argument("files_json")
    p.set_defaults(func=cmd_modules)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
