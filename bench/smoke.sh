#!/usr/bin/env bash
# bench/smoke: viosim-bench --smoke writes a well-formed Markdown table, JSON
# file and SVG plot; bad arguments give exit 2. No timing is asserted. The
# scenario figures run one scenario file (the whole suite takes seconds).
# Usage: smoke.sh VIOSIM_BENCH PYTHON3 WORKDIR SCENARIO_DIR
set -eu
bench=$1 py=$2 dir=$3 scn=$4
mkdir -p "$dir"
rm -f "$dir/out.json" "$dir/out.svg" "$dir/out.md" "$dir/none.md"
"$bench" --smoke --json "$dir/out.json" --svg "$dir/out.svg" \
  --scenarios "$scn/net/loopback.vsc" --make-check-seconds 123.5 > "$dir/out.md"
grep -q '^| group | figure |' "$dir/out.md"
grep -q '^| full stack | frame bytes |' "$dir/out.md"
grep -q '^| scenarios | unit |' "$dir/out.md"
"$py" - "$dir/out.json" "$dir/out.svg" "$dir/out.md" "$scn/net/loopback.vsc" <<'PY'
import json, sys, xml.etree.ElementTree as ET
j = json.load(open(sys.argv[1]))
assert j["schema"] == "viosim-bench/1", j["schema"]
assert j["mode"] == "smoke" and j["spread"] == "min-max"
for k in ("cpus_online", "cpu_model", "os", "arch"):
    assert k in j["machine"], k
assert "type" in j["build"]
figs = j["figures"]
names = {f["name"] for f in figs}
assert len(names) == len(figs), "figure names are unique"
groups = {f["group"] for f in figs}
assert {"floor", "viosim", "scale", "net", "scenarios", "external"} <= groups, groups
assert groups <= {"floor", "viosim", "scale", "net", "scenarios", "external", "memory"}, groups
assert j["scenarios"] == {"dir": sys.argv[4], "found": True}, j["scenarios"]
byname = {f["name"]: f for f in figs}
for f in figs:
    if f["group"] == "net":
        # frames per second: every frame sent came back to the driver, with
        # the monitor judging them only when attached
        assert f["unit"] == "frames/s" and f["runs"] == 3 and f["frames_per_run"] >= 2048, f
        assert 0 < f["min"] <= f["median"] <= f["max"], f
        p = f["params"]
        assert p["frame_len"] in (64, 1500) and p["burst"] >= 1, f
        assert abs(f["ns_per_frame"] * f["median"] - 1e9) < 1e3, f
        assert f["per_frame"]["bus_events"] > 0 and f["per_frame"]["notifications"] > 0, f
        assert (f["per_frame"]["monitor_checks"] > 0) == p["monitor"], f
        continue
    if f["group"] == "scenarios":
        assert f["unit"] in ("s/suite", "ticks/s") and f["runs"] == 1, f
        assert 0 < f["min"] == f["median"] == f["max"], f
        s = f["suite"]
        assert s["files"] == 1 and s["runs"] >= 1 and s["failed"] == 0, s
        assert s["events"] > 0 and s["ticks"] > 0 and s["wall_ns"] > 0, s
        continue
    if f["group"] == "external":
        assert f == {"group": "external", "name": "make check", "unit": "s", "median": 123.5,
                     "min": 123.5, "max": 123.5, "runs": 1, "source": "--make-check-seconds"}, f
        continue
    if f["group"] == "memory":
        # heap accounting may be unavailable (sanitizers): then no figure
        assert f["unit"] == "KiB/world" and f["runs"] == 1, f
        assert f["min"] == f["median"] == f["max"] > 0, f
        assert f["params"]["worlds"] >= 1 and "per_buffer" not in f, f
        continue
    assert f["unit"] == "ns/buffer"
    assert f["runs"] == 3 and f["buffers_per_run"] >= 2048, f
    assert 0 < f["min"] <= f["median"] <= f["max"], f
    p = f["params"]
    assert p["queue_size"] in (16, 256, 4096, 32768) and p["format"] in ("split", "packed")
    # scale: the smoke mode goes up to 10 worlds
    assert (f["group"] == "scale") == (p["worlds"] > 1 or f["name"].endswith("worlds1")), f
    assert p["worlds"] in ((1, 10) if f["group"] == "scale" else (1,)), f
    if p["notify"] == "event-idx":
        # one doorbell and one interrupt per batch: the loop really notified
        assert abs(f["per_buffer"]["notifications"] * p["batch_count"] - 1) < 1e-9, f
        assert abs(f["per_buffer"]["interrupts"] * p["batch_count"] - 1) < 1e-9, f
    elif p["impl"] == "viosim":
        assert f["per_buffer"]["notifications"] == 0 and f["per_buffer"]["interrupts"] == 0, f
        # every access traced, except in the no-trace measure
        assert (f["per_buffer"]["bus_events"] > 0) == (p["trace"] != "none"), f
    # the monitor judged every buffer, and only when attached
    assert (f["per_buffer"]["monitor_checks"] > 0) == p["monitor"], f
for r in j["ratios"]:
    if r["figure"] not in names:  # a memory figure beyond --smoke's worlds
        assert r["value"] == 0 and not r["met"], r
        continue
    assert r["baseline"] in names or r["baseline"] == "constant", r
    assert r["baseline_value"] > 0, r
    assert r["value"] > 0 and r["met"] == (r["value"] <= r["target_max"]), r
assert len(j["ratios"]) >= 6
mc = [r for r in j["ratios"] if r["figure"] == "make check"][0]
assert mc["baseline_value"] == 300 and abs(mc["value"] - 123.5 / 300) < 1e-6 and mc["met"], mc
assert {"split poll worlds1", "split poll worlds10", "split poll no-trace", "net 64B", "net 1500B monitor",
        "scenario suite", "scenario ticks/s"} <= names, names
svg = ET.parse(sys.argv[2]).getroot()
assert svg.tag == "{http://www.w3.org/2000/svg}svg", svg.tag
bars = svg.findall("{http://www.w3.org/2000/svg}rect")
plotted = [f for f in figs if f["group"] not in ("memory", "external")]
assert len(bars) == len(plotted) + 1, (len(bars), len(plotted))  # background + a bar each
md = open(sys.argv[3]).read()
for f in figs:
    assert "| %s |" % f["name"] in md, f["name"]
PY
# bad arguments: usage and exit 2
set +e
"$bench" --no-such-option > /dev/null 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "bad option: exit $rc, want 2"; exit 1; }
"$bench" --runs 0 > /dev/null 2>&1 && { echo "--runs 0 accepted"; exit 1; }
# no make check time given: the ratio is not measured and says why; a
# missing scenario directory is said, not fatal
"$bench" --smoke --filter =floor-none --scenarios "$dir/no-such-dir" --json "$dir/none.json" \
  > "$dir/none.md" 2> "$dir/none.err"
"$py" - "$dir/none.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["figures"] == [] and j["scenarios"]["found"] is False, j
mc = [r for r in j["ratios"] if r["figure"] == "make check"][0]
assert mc["value"] == 0 and not mc["met"] and "--make-check-seconds" in mc["note"], mc
PY
"$bench" --smoke --filter scenario --scenarios "$dir/no-such-dir" > "$dir/none.md" 2> "$dir/none.err"
grep -q 'scenario suite: skipped: no scenario directory' "$dir/none.err"
grep -q '| scenario suite | s/suite | - |.*not measured' "$dir/none.md"
"$bench" --make-check-seconds -1 > /dev/null 2>&1 && { echo "negative time accepted"; exit 1; }
# a failing scenario fails the run: the suite is checked, not only timed
set +e
"$bench" --smoke --filter "=scenario suite" --scenarios "$scn/tests/bad/failing_expect.bad" \
  > /dev/null 2> "$dir/fail.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "failing scenario: exit $rc, want 1"; exit 1; }
grep -q 'runs failed' "$dir/fail.err"
echo "bench smoke: ok"
