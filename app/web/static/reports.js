// Supervisors and administrators: the reports of a period on one page, each a table with the
// server's chart and its file (XLSX, CSV) to download, the funders' indicators (a table by
// indicator, sex × age band with totals) and their file, and exports (pseudonymised unless a named
// export is asked for, with its purpose; in words in the screen's language unless codes are chosen).
import { api, authorized, problemLines, SessionExpired } from "./api.js";
import { download } from "./downloads.js";
import { $, busy, drawTurn, el, focusOn, say, sayLines, scrollingTable } from "./dom.js";
import { colon, i18n, t } from "./i18n.js";
import "./i18n_day.js";
import { loadServiceTypes } from "./case.js";
import { countTable, tableName } from "./report_tables.js";

// Each report: its words, its path, and how it is drawn: one table under its title, with the
// server's chart (`chart`), or a table by indicator, each under its name (`byTable`). The roles
// that may read them are the screen's (supervisors, administrators: the API's SupervisorActor).
const REPORTS = [
  { key: "report_registrations", path: "/api/v1/reports/registrations?by=sex", chart: true },
  { key: "report_cases", path: "/api/v1/reports/cases?by=service_type", chart: true },
  { key: "report_cases_status", path: "/api/v1/reports/cases?measure=open&by=status", chart: true },
  { key: "report_funders", path: "/api/v1/reports/funder-indicators", byTable: true },
];

const forPeriod = (path, period) => `${path}${path.includes("?") ? "&" : "?"}${period}`;

// One report: its title, then its tables (the figures, read by everyone and by screen readers); the
// server's chart joins a one-table report when it arrives (addChart). Drawn once: no second,
// home-made copy of the chart.
function render(report, tables) {
  const s = el("section", null, { class: "report" });
  s.append(el("h2", t(report.key)));
  for (const table of tables) {
    const grid = countTable(table, report.byTable ? tableName(table.name) : t(report.key));
    s.append(scrollingTable(grid));  // a phone: wider than the screen, it scrolls in its box
  }
  return s;
}

// The API's chart (PNG) of a report, fetched with the agent's token and shown from a blob: URL.
const charts = [];
document.addEventListener("desk:cleared", () => {
  while (charts.length) URL.revokeObjectURL(charts.pop());
  drawTurn($("#reports"));  // signed out: reports still on their way draw nothing
  loading(false);
});

async function chartImage(path, titleKey) {
  const r = await authorized(`${path}&format=png`);
  if (!r.ok) return null;
  const url = URL.createObjectURL(await r.blob());
  charts.push(url);
  return el("img", null, { src: url, alt: `${t("chart")}${colon()}${t(titleKey)}`, class: "chart" });
}

// The reports of the period in the form. Asked again before they arrive (another period, « Afficher »
// pressed again), the later asking draws them: an earlier answer arriving last draws nothing, nor
// do its charts.
async function loadReports() {
  const box = $("#reports-msg");
  const form = $("#reports-form");
  const out = $("#reports");
  const current = drawTurn(out);
  // « Afficher » stays pressable (another period may be asked meanwhile); the reports say they
  // are being read until the latest asked are drawn.
  loading(true);
  const data = new FormData(form);
  const period = new URLSearchParams();
  for (const k of ["start", "end"]) if (data.get(k)) period.set(k, data.get(k));
  try {
    const [found] = await Promise.all([
      Promise.all(REPORTS.map((report) => api("GET", forPeriod(report.path, period)))), loadServiceTypes(),
    ]);
    if (!current()) return undefined;
    const failed = found.find((r) => !r.ok);
    if (failed) {
      out.replaceChildren();  // no figures of another period under the refusal
      return sayLines(box, problemLines(failed.body, form));
    }
    while (charts.length) URL.revokeObjectURL(charts.pop());
    say(box, "");
    out.replaceChildren();
    // The tables first; each chart (drawn by the server, slower) joins its table when it arrives.
    found.forEach((r, i) => {
      const report = REPORTS[i];
      const path = forPeriod(report.path, period);
      if (!r.body.tables.length) return;
      const section = render(report, r.body.tables);
      out.append(section);
      if (report.chart && r.body.tables.length === 1) addChart(section, path, report.key, current);
      // one file per report (all its tables), under its last table
      section.append(reportFiles(path, report.key));
    });
    return focusOn($("h2", out));
  } catch (error) {
    if (!(error instanceof SessionExpired) && current()) say(box, error.message);
    return undefined;
  } finally {
    if (current()) loading(false);
  }
}

function loading(on) {
  for (const node of [$("#reports"), $("#reports-form button[type=submit]")]) {
    if (on) node.setAttribute("aria-busy", "true");
    else node.removeAttribute("aria-busy");
  }
}

// A chart that cannot be had leaves its table as it is: the figures are all in the table.
async function addChart(section, path, titleKey, current) {
  try {
    const image = await chartImage(path, titleKey);
    // on a phone, shown at its own size in a box scrolling sideways: shrunk to the screen's width
    // its labels would be a few pixels high
    if (image && current() && section.isConnected) section.insertBefore(scrollingTable(image), section.children[1]);
  } catch {
    // offline or signed out meanwhile: the table stays, the page already says why
  }
}

// Words for the people who read a file, in the screen's language (the API's `labels`).
function wordsLanguage() {
  return i18n.lang === "en" ? "en" : "fr";
}

async function exportFile() {
  const box = $("#export-msg");
  const form = $("#export-form");
  const data = new FormData(form);
  const params = new URLSearchParams({ format: data.get("format") });
  // the period chosen above (Du, Au): the export covers it, as the reports shown do
  const period = new FormData($("#reports-form"));
  if (!period.get("start") || !period.get("end")) return say(box, t("export_needs_period"));  // never the whole history by mistake
  for (const bound of ["start", "end"]) params.set(bound, period.get(bound));
  if (data.get("named") === "on") { params.set("named", "true"); params.set("purpose", data.get("purpose")); }
  // words for the people who read the file (in the screen's language), codes for software reading it
  if (data.get("cells") !== "codes") params.set("labels", wordsLanguage());
  const saved = await download(`/api/v1/exports/${data.get("kind")}?${params}`, box, form, `export.${data.get("format")}`);
  if (!saved) return undefined;
  say(box, [`${t("exported")} ${saved.name}`, unnamedNote(saved.response.headers.get("X-Export-Unnamed-Rows"), data.get("kind"))].join(" ").trim(), "ok");
  return focusOn(box);
}

// A report's file (XLSX or CSV) for the period and filters of the report shown (`path`, not the
// period typed since), in words in the screen's language: what is sent to the ministry and funders.
function reportFiles(path, titleKey) {
  const files = el("div", null, { class: "report-files" });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  for (const [format, key] of [["xlsx", "download_xlsx"], ["csv", "download_csv"]]) {
    const button = el("button", t(key), { type: "button", "aria-label": `${t(key)}${colon()}${t(titleKey)}` });
    button.addEventListener("click", () => busy(button, async () => {
      try {
        const saved = await download(`${path}&format=${format}&labels=${wordsLanguage()}`, box, $("#reports-form"), `report.${format}`);
        if (saved) say(box, `${t("exported")} ${saved.name}`, "ok");
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(box, error.message);
      }
    }));
    files.append(button);
  }
  files.append(box);
  return files;
}

// A named export leaves empty the named columns of people who did not consent to it: say how many.
function unnamedNote(header, kind) {
  const n = Number(header || 0);
  if (!n) return "";
  const key = kind === "registrants" ? "unnamed_people" : "unnamed_rows";
  return t(n === 1 ? `${key}_one` : key, { n: new Intl.NumberFormat(i18n.lang).format(n) });
}

export function initReports() {
  for (const id of ["#reports-form", "#export-form"]) $(id).removeAttribute("data-wait");
  // The period starts as this month so far; the agent can change it.
  const today = new Date().toISOString().slice(0, 10);
  const form = $("#reports-form");
  // As the fields' default values: a sign-out resets the forms to them, not to empty fields.
  if (!form.elements.namedItem("end").value) form.elements.namedItem("end").defaultValue = today;
  if (!form.elements.namedItem("start").value) form.elements.namedItem("start").defaultValue = `${today.slice(0, 8)}01`;
  $("#reports-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadReports();
  });
  const named = $("#export-named");
  const showPurpose = () => {
    $("#export-purpose-field").hidden = !named.checked;
    $("#export-purpose").required = named.checked;
  };
  named.addEventListener("change", showPurpose);
  showPurpose();  // ticked before this module arrived (a slow link): its purpose is asked for too
  $("#export-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#export-form button[type=submit]"), () => exportFile().catch((e) => say($("#export-msg"), e.message)));
  });
}
