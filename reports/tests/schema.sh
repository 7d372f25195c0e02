#!/usr/bin/env bash
# report/schema: `viosim run ... --report DIR` writes conformance.json that
# validates against reports/conformance.schema.json, and lists every
# catalogued statement once; so does the same report with a code coverage
# section (`viosim report ... --coverage FILE`). Usage: schema.sh VIOSIM
# SCENARIO_DIR SCHEMA
# Needs python3 with the jsonschema module (Debian: python3-jsonschema). Without
# it the test is skipped (exit 77), except in CI ($CI set), where it fails.
set -u
viosim=$1 scenarios=$2 schema=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python=
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import jsonschema' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  if [ -n "${CI:-}" ]; then
    echo "schema.sh: python3 with the jsonschema module is required in CI (apt-get install python3-jsonschema)"
    exit 1
  fi
  echo "schema.sh: SKIP: no python3 with the jsonschema module (apt-get install python3-jsonschema)"
  exit 77
fi

# A few scenarios of the normal suite, and two of the monitor's own if present.
set -- "$scenarios/negotiation/default-set.vsc" "$scenarios/negotiation/rejected-unoffered.vsc" \
  "$scenarios/net/loopback.vsc"
for f in $(ls "$scenarios"/monitor/*/*.vsc 2>/dev/null | head -n 2); do
  set -- "$@" "$f"
done
"$viosim" run "$@" --quiet --report "$tmp/out" >"$tmp/stdout" 2>"$tmp/stderr"
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "schema.sh: viosim run exited $status"
  cat "$tmp/stdout" "$tmp/stderr"
  exit 1
fi
for f in conformance.md conformance.html conformance.json junit.xml results.tsv; do
  if [ ! -s "$tmp/out/$f" ]; then
    echo "schema.sh: $f was not written"
    exit 1
  fi
done

{
  printf 'module\tlines_covered\tlines_total\tline_pct\tbranches_covered\tbranches_total\tbranch_pct\n'
  printf 'model\t1736\t1820\t95.38\t1820\t2239\t81.28\n'
  printf 'fuzz\t0\t4\t0.00\t0\t0\t100.00\n'
} >"$tmp/modules.tsv"
"$viosim" report "$tmp/out/results.tsv" --out "$tmp/cov" --coverage "$tmp/modules.tsv" >"$tmp/stdout" 2>&1
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "schema.sh: viosim report --coverage exited $status"
  cat "$tmp/stdout"
  exit 1
fi

for report in "$tmp/out/conformance.json" "$tmp/cov/conformance.json"; do
"$python" - "$schema" "$report" <<'PY' || exit 1
import json, sys
import jsonschema
schema_path, report_path = sys.argv[1], sys.argv[2]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
with open(report_path, encoding="utf-8") as f:
    report = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(report), key=lambda e: list(e.path))
for e in errors[:20]:
    print("schema.sh: %s: %s" % ("/".join(str(p) for p in e.path), e.message))
if errors:
    sys.exit(1)
ids = [s["id"] for s in report["statements"]]
in_scope = sum(t["in_scope"] for t in report["summary"]["normal"]["targets"].values())
if len(ids) != len(set(ids)) or len(ids) != in_scope:
    print("schema.sh: %d statements, %d distinct, %d in scope" % (len(ids), len(set(ids)), in_scope))
    sys.exit(1)
for suite in ("normal", "monitor"):
    for target, counts in report["summary"][suite]["targets"].items():
        listed = [s for s in report["statements"] if s["target"] == target]
        for verdict in ("PASS", "FAIL", "NOT_EXERCISED", "N_A"):
            n = sum(1 for s in listed if s[suite]["verdict"] == verdict)
            if n != counts[verdict]:
                print("schema.sh: %s %s %s: summary %d, statements %d" % (suite, target, verdict, counts[verdict], n))
                sys.exit(1)
cov = report["coverage"]
if cov is not None and [m["module"] for m in cov] != ["model", "fuzz"]:
    print("schema.sh: coverage modules %s" % [m["module"] for m in cov])
    sys.exit(1)
print("schema.sh: %s is valid: %d runs, %d statements, %s" % (report_path, len(report["runs"]), len(ids),
      "no coverage" if cov is None else "coverage of %d modules" % len(cov)))
PY
done
