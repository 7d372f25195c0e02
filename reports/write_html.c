/*
 * reports/write_html.c: conformance.html (contract in reports/report.h).
 *
 * One self-contained page: inline CSS and an inline script, no external
 * resource of any kind (no font, image, stylesheet or script URL), so it
 * opens from disk with no network. Without the script every row is shown
 * and the counts are the full counts; the script adds the filters (area,
 * and a checkbox per verdict), keeps the per-verdict counts and the number
 * of rows shown live, and then sets document.body.dataset.ready = "1" (the
 * headless-browser test waits for that marker).
 *
 * Untrusted text is escaped with report_text_html (reports/text.h); the
 * script holds no data (it reads the rows' data-* attributes), so no report
 * content is ever placed inside <script>.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "model/catalog.h"
#include "reports/aggregate.h"
#include "reports/report.h"
#include "reports/text.h"

static const char g_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>viosim conformance report</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#1b1b1b;background:#fff}\n"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}\n"
    "th{background:#f0f0f0}\ntd.n{text-align:right;white-space:nowrap}\n"
    ".v{font-weight:bold;white-space:nowrap;padding:.1em .4em;border-radius:3px}\n"
    ".v-PASS{background:#d8f5d8;color:#115511}\n.v-FAIL{background:#fbd5d5;color:#8a1010}\n"
    ".v-NOT_EXERCISED{background:#e8e8e8;color:#444}\n.v-N_A{background:#dde8f8;color:#1d3d6e}\n"
    "code{background:#f5f5f5;padding:0 .2em;word-break:break-all}\n"
    "#filters{position:sticky;top:0;background:#fff;padding:.5em 0;"
    "border-bottom:1px solid #ccc}\n#filters label{margin-right:1em}\n"
    "tr[hidden]{display:none}\n.legend{max-width:60em}\n"
    "</style>\n</head>\n<body>\n";

static const char g_script[] =
    "<script>\n"
    "(function () {\n"
    "  \"use strict\";\n"
    "  var area = document.getElementById(\"f-area\");\n"
    "  var boxes = Array.prototype.slice.call(\n"
    "      document.querySelectorAll(\"#filters input[data-verdict]\"));\n"
    "  var rows = Array.prototype.slice.call(\n"
    "      document.querySelectorAll(\"table.statements tbody tr\"));\n"
    "  var counters = Array.prototype.slice.call(document.querySelectorAll(\"[data-count]\"));\n"
    "  var tables = Array.prototype.slice.call(document.querySelectorAll(\"[data-shown]\"));\n"
    "  function apply() {\n"
    "    var want = {}, counts = {}, shownBy = {}, shown = 0;\n"
    "    boxes.forEach(function (b) { want[b.getAttribute(\"data-verdict\")] = b.checked; });\n"
    "    rows.forEach(function (r) {\n"
    "      var v = r.getAttribute(\"data-verdict\"), t = r.getAttribute(\"data-target\");\n"
    "      var inArea = area.value === \"\" || r.getAttribute(\"data-area\") === area.value;\n"
    "      var show = inArea && want[v] === true;\n"
    "      if (inArea) { counts[v] = (counts[v] || 0) + 1; }\n"
    "      r.hidden = !show;\n"
    "      if (show) { shown++; shownBy[t] = (shownBy[t] || 0) + 1; }\n"
    "    });\n"
    "    counters.forEach(function (e) {\n"
    "      e.textContent = String(counts[e.getAttribute(\"data-count\")] || 0);\n"
    "    });\n"
    "    tables.forEach(function (e) {\n"
    "      e.textContent = String(shownBy[e.getAttribute(\"data-shown\")] || 0);\n"
    "    });\n"
    "    document.getElementById(\"f-shown\").textContent =\n"
    "        \"showing \" + shown + \" of \" + rows.length + \" statements\";\n"
    "  }\n"
    "  area.addEventListener(\"change\", apply);\n"
    "  boxes.forEach(function (b) { b.addEventListener(\"change\", apply); });\n"
    "  apply();\n"
    "  document.body.dataset.ready = \"1\";\n"
    "})();\n"
    "</script>\n";

static void html(FILE *out, const char *s) {
  report_text_html(out, s);
}

static void verdict_badge(FILE *out, enum report_verdict v) {
  fprintf(out, "<span class=\"v v-%s\">%s</span>", report_verdict_token(v),
          report_verdict_label(v));
}

static void html_summary(FILE *out, const struct report_aggregate *agg) {
  fputs("<h2 id=\"summary\">Summary</h2>\n<p>Statements exercised out of those in scope, "
        "per target (the normal suite judges the project's driver and device):</p>\n"
        "<table class=\"summary\">\n<thead><tr><th>target</th><th>exercised</th>"
        "<th>in scope</th><th>PASS</th><th>FAIL</th><th>NOT EXERCISED</th><th>N/A</th>"
        "<th>observable by the monitor</th></tr></thead>\n<tbody>\n",
        out);
  for (unsigned t = 0; t < 2; t++) {
    const struct report_target_counts *c = &agg->suites[REPORT_SUITE_NORMAL].targets[t];
    size_t permille = c->in_scope == 0 ? 0 : c->exercised * 1000u / c->in_scope;
    fprintf(out,
            "<tr><td>%s</td><td class=\"n\">%zu (%zu.%zu%%)</td><td class=\"n\">%zu</td>"
            "<td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
            "<td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n",
            model_target_name((enum model_target)t), c->exercised, permille / 10u, permille % 10u,
            c->in_scope, c->verdicts[REPORT_VERDICT_PASS], c->verdicts[REPORT_VERDICT_FAIL],
            c->verdicts[REPORT_VERDICT_NOT_EXERCISED], c->verdicts[REPORT_VERDICT_NA],
            c->observable);
  }
  fputs("</tbody>\n</table>\n<p class=\"legend\"><span class=\"v v-PASS\">PASS</span> the "
        "monitor evaluated the statement and no run violated it; "
        "<span class=\"v v-FAIL\">FAIL</span> a run violated it (the note gives the first "
        "violation and its replay command); <span class=\"v v-NOT_EXERCISED\">NOT "
        "EXERCISED</span> no run evaluated it (the note says whether the monitor has a check "
        "for it at all); <span class=\"v v-N_A\">N/A</span> its feature condition held in no "
        "run.</p>\n",
        out);
}

/* Code coverage per module, when the set has it. */
static void html_coverage(FILE *out, const struct report_coverage *cov) {
  char lines[REPORT_COVERAGE_PCT_SIZE], branches[REPORT_COVERAGE_PCT_SIZE];
  if (cov->module_count == 0)
    return;
  fputs("<h2 id=\"coverage\">Code coverage</h2>\n<p>Line and branch coverage of the "
        "project's code per module, as the coverage build measured it (gcov under "
        "<code>make check</code>, tests excluded):</p>\n<table class=\"coverage\">\n<thead><tr>"
        "<th>module</th><th>lines</th><th>branches</th></tr></thead>\n<tbody>\n",
        out);
  for (size_t i = 0; i < cov->module_count; i++) {
    const struct report_coverage_module *m = &cov->modules[i];
    report_coverage_pct(m->lines_covered, m->lines_total, lines);
    report_coverage_pct(m->branches_covered, m->branches_total, branches);
    fputs("<tr><td>", out);
    html(out, m->name);
    fprintf(out,
            "</td><td class=\"n\">%s%% (%" PRIu64 " of %" PRIu64
            ")</td><td class=\"n\">%s%% (%" PRIu64 " of %" PRIu64 ")</td></tr>\n",
            lines, m->lines_covered, m->lines_total, branches, m->branches_covered,
            m->branches_total);
  }
  fputs("</tbody>\n</table>\n", out);
}

/* The area <option>s, each area once, in catalog order. */
static void html_area_options(FILE *out) {
  size_t n = model_catalog_count();
  for (size_t i = 0; i < n; i++) {
    const char *area = model_catalog_at(i)->area;
    bool seen = false;
    for (size_t k = 0; k < i && !seen; k++)
      seen = strcmp(model_catalog_at(k)->area, area) == 0;
    if (seen)
      continue;
    fputs("<option value=\"", out);
    html(out, area);
    fputs("\">", out);
    html(out, area);
    fputs("</option>", out);
  }
}

static void html_filters(FILE *out, const struct report_aggregate *agg) {
  fputs("<div id=\"filters\">\n<label>Area <select id=\"f-area\"><option value=\"\">all "
        "areas</option>",
        out);
  html_area_options(out);
  fputs("</select></label>\n", out);
  for (unsigned v = 0; v < REPORT_VERDICT_COUNT; v++) {
    size_t count = agg->suites[REPORT_SUITE_NORMAL].targets[0].verdicts[v] +
                   agg->suites[REPORT_SUITE_NORMAL].targets[1].verdicts[v];
    fprintf(out, "<label><input type=\"checkbox\" data-verdict=\"%s\" checked> ",
            report_verdict_token((enum report_verdict)v));
    verdict_badge(out, (enum report_verdict)v);
    fprintf(out, " (<span data-count=\"%s\">%zu</span>)</label>\n",
            report_verdict_token((enum report_verdict)v), count);
  }
  fprintf(out, "<span id=\"f-shown\">showing %zu of %zu statements</span>\n</div>\n",
          agg->statement_count, agg->statement_count);
}

static void html_note(FILE *out, const struct model_clause *clause,
                      const struct report_statement *st) {
  char cond[96];
  switch (st->verdict) {
  case REPORT_VERDICT_PASS:
    break;
  case REPORT_VERDICT_FAIL:
    fprintf(out, "%" PRIu64 " violation%s in %zu run%s; first: ", st->violations,
            report_plural(st->violations), st->runs_violated, report_plural(st->runs_violated));
    html(out, st->first->detail);
    fprintf(out, " (time %" PRIu64 ", trace position %" PRIu64 ")<br>replay: <code>",
            st->first->time_ticks, st->first->trace_pos);
    html(out, st->first_run->replay);
    fputs("</code>", out);
    break;
  case REPORT_VERDICT_NOT_EXERCISED:
    html(out, report_reason_text(st->reason));
    break;
  case REPORT_VERDICT_NA:
    report_condition_text(clause, cond, sizeof cond);
    fputs("needs ", out);
    html(out, cond);
    fputs("; no run met that", out);
    break;
  }
}

static void html_statement_row(FILE *out, const struct model_clause *clause,
                               const struct report_statement *st) {
  fprintf(out, "<tr data-target=\"%s\" data-area=\"", model_target_name(clause->target));
  html(out, clause->area);
  fprintf(out, "\" data-verdict=\"%s\"><td>", report_verdict_token(st->verdict));
  html(out, clause->id);
  fprintf(out, "</td><td>%s</td><td>", model_level_name(clause->level));
  html(out, clause->area);
  fputs("</td><td>", out);
  verdict_badge(out, st->verdict);
  fputs("</td><td class=\"n\">", out);
  if (st->evaluated != 0)
    fprintf(out, "%" PRIu64 " in %zu run%s", st->evaluated, st->runs_evaluated,
            report_plural(st->runs_evaluated));
  fputs("</td><td>", out);
  html(out, clause->summary);
  fputs("</td><td>", out);
  html_note(out, clause, st);
  fputs("</td></tr>\n", out);
}

static void html_statements(FILE *out, const struct report_aggregate *agg,
                            enum model_target target) {
  const char *name = model_target_name(target);
  size_t in_scope = agg->suites[REPORT_SUITE_NORMAL].targets[target].in_scope;
  fprintf(out,
          "<h2 id=\"%s\">%s statements <small>(<span data-shown=\"%s\">%zu</span> of %zu "
          "shown)</small></h2>\n<table class=\"statements\" id=\"t-%s\">\n<thead><tr>"
          "<th>id</th><th>level</th><th>area</th><th>verdict</th><th>evaluated</th>"
          "<th>summary</th><th>note</th></tr></thead>\n<tbody>\n",
          name, target == MODEL_TARGET_DRIVER ? "Driver" : "Device", name, in_scope, in_scope,
          name);
  for (size_t i = 0; i < agg->statement_count; i++) {
    const struct model_clause *clause = model_catalog_at(i);
    if (clause->target == target)
      html_statement_row(out, clause, &agg->statements[REPORT_SUITE_NORMAL][i]);
  }
  fputs("</tbody>\n</table>\n", out);
}

static void html_runs(FILE *out, const struct report_set *set, enum report_suite suite) {
  fputs("<table class=\"runs\">\n<thead><tr><th>result</th><th>scenario</th><th>seed</th>"
        "<th>ring</th><th>trace hash</th><th>note</th></tr></thead>\n<tbody>\n",
        out);
  for (size_t r = 0; r < set->run_count; r++) {
    const struct report_run *run = &set->runs[r];
    if (report_run_suite(run) != suite)
      continue;
    fputs("<tr><td>", out);
    verdict_badge(out, run->passed ? REPORT_VERDICT_PASS : REPORT_VERDICT_FAIL);
    fputs("</td><td>", out);
    html(out, run->path);
    fprintf(out,
            "</td><td class=\"n\">%" PRIu64 "</td><td>%s</td><td><code>%016" PRIx64
            "</code></td><td>",
            run->seed, report_ring_name(run->ring), run->trace_hash);
    if (!run->passed) {
      html(out, run->message);
      fputs("<br>replay: <code>", out);
      html(out, run->replay);
      fputs("</code>", out);
    }
    fputs("</td></tr>\n", out);
  }
  fputs("</tbody>\n</table>\n", out);
}

static void html_check_row(FILE *out, const struct model_clause *clause,
                           const struct report_statement *st) {
  fputs("<tr><td>", out);
  html(out, clause->id);
  fprintf(out, "</td><td>%s</td><td>%s</td><td>", model_target_name(clause->target),
          model_level_name(clause->level));
  if (st->runs_violated_passed != 0) {
    fprintf(out, "<span class=\"v v-PASS\">fired</span> in %zu passing run%s",
            st->runs_violated_passed, report_plural(st->runs_violated_passed));
    fputs("</td><td><code>", out);
    html(out, st->first_passed_run->replay);
    fputs("</code>", out);
  } else if (st->runs_violated != 0) {
    fputs("<span class=\"v v-FAIL\">only in failing runs</span></td><td><code>", out);
    html(out, st->first_run->replay);
    fputs("</code>", out);
  } else {
    fputs("<span class=\"v v-NOT_EXERCISED\">not fired</span></td><td>", out);
  }
  fputs("</td><td>", out);
  html(out, clause->summary);
  fputs("</td></tr>\n", out);
}

static void html_monitor(FILE *out, const struct report_aggregate *agg) {
  const struct report_suite_summary *sum = &agg->suites[REPORT_SUITE_MONITOR];
  fputs("<h2 id=\"monitor\">Monitor self-test suite</h2>\n<p class=\"legend\">Runs that "
        "select a misbehaving driver or device, or expect a violation: they test the monitor, "
        "not the project's halves. A check is proven when a passing run made it fire (a run "
        "passes only if every violation it saw was one its scenario expected).</p>\n",
        out);
  if (sum->runs == 0) {
    fputs("<p>No run of this report belongs to it.</p>\n", out);
    return;
  }
  fprintf(out,
          "<p>%zu run%s, %zu passed, %zu failed. Checks proven (fired in a passing run): %zu of "
          "%zu.</p>\n",
          sum->runs, report_plural(sum->runs), sum->runs_passed, sum->runs_failed,
          agg->checks_fired, agg->check_count);
  fputs("<table class=\"checks\">\n<thead><tr><th>check</th><th>target</th><th>level</th>"
        "<th>fired</th><th>first fired by</th><th>summary</th></tr></thead>\n<tbody>\n",
        out);
  for (size_t i = 0; i < agg->statement_count; i++) {
    if (agg->observable[i])
      html_check_row(out, model_catalog_at(i), &agg->statements[REPORT_SUITE_MONITOR][i]);
  }
  fputs("</tbody>\n</table>\n<h3>Runs (monitor self-test suite)</h3>\n", out);
  html_runs(out, agg->set, REPORT_SUITE_MONITOR);
}

model_err report_write_html(FILE *out, const struct report_set *set) {
  struct report_aggregate agg;
  MODEL_TRY(report_aggregate_init(&agg, set));
  const struct report_suite_summary *sum = &agg.suites[REPORT_SUITE_NORMAL];
  fputs(g_head, out);
  fprintf(out,
          "<h1>viosim conformance report</h1>\n<p>Specification: VIRTIO 1.4 "
          "(virtio-v1.4-cs01). Normal suite: %zu run%s, %zu passed, %zu failed. Monitor "
          "self-test suite: %zu run%s.</p>\n",
          sum->runs, report_plural(sum->runs), sum->runs_passed, sum->runs_failed,
          agg.suites[REPORT_SUITE_MONITOR].runs,
          report_plural(agg.suites[REPORT_SUITE_MONITOR].runs));
  html_summary(out, &agg);
  html_coverage(out, &set->coverage);
  html_filters(out, &agg);
  html_statements(out, &agg, MODEL_TARGET_DRIVER);
  html_statements(out, &agg, MODEL_TARGET_DEVICE);
  fputs("<h2 id=\"runs\">Runs</h2>\n", out);
  html_runs(out, set, REPORT_SUITE_NORMAL);
  html_monitor(out, &agg);
  fputs(g_script, out);
  fputs("</body>\n</html>\n", out);
  report_aggregate_fini(&agg);
  return ferror(out) ? MODEL_ERR_IO : MODEL_OK;
}
