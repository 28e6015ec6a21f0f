// A report's table of counts as the API gives it (`TableOut`: rows × columns, `null` for a cell
// hidden by small-cell suppression), in the screen's language: a table the figures are read from,
// by everyone and by screen readers.
import { el } from "./dom.js";
import { code, t } from "./i18n.js";
import { serviceLabel } from "./case.js";
import "./i18n_reports.js";

/** A row or column label of `table` in words: a service type by its catalogue label, a region by
 * the name the API gives (`names`), a code in words; an age band ("18-24") as it is. */
function label(table, value) {
  if (table.rows_dimension === "service_type" && !(table.names && table.names[value])) return serviceLabel(value);
  return (table.names && table.names[value]) || code(value);
}

// « masqué (petits effectifs) »: what is in brackets kept on one line (no « ) » alone on the last)
const whole = (text) => text.replace(/\([^)]*\)/g, (group) => group.replaceAll(" ", "\u00a0"));
const cell = (v) => el("td", v === null || v === undefined ? whole(t("suppressed")) : String(v));

/** `table` as an HTML table captioned `caption`. A breakdown by one dimension: one column of counts.
 * By two (sex × age band): the second dimension named above its columns, and the totals of each
 * row, of each column and the whole, as the API gives them (suppressed ones said so). */
export function countTable(table, caption) {
  const grid = el("table");
  grid.append(el("caption", caption));
  const crossed = Boolean(table.columns_dimension && table.row_totals);
  const head = el("tr");
  const corner = el("th", t(`dim_${table.rows_dimension}`), { scope: "col" });
  head.append(corner);
  const columns = table.columns.map((c) => el("th", c === "count" || label(table, c) === t("empty") ? t("count") : label(table, c), { scope: "col" }));
  if (crossed) {
    // the columns' groups, which the second dimension's heading spans (scope=colgroup)
    grid.append(el("col"), el("colgroup", null, { span: String(table.columns.length) }), el("col"));
    corner.setAttribute("rowspan", "2");
    head.append(el("th", t(`dim_${table.columns_dimension}`), { scope: "colgroup", colspan: String(table.columns.length) }));
    head.append(el("th", t("report_total"), { scope: "col", rowspan: "2" }));
    const bands = el("tr");
    bands.append(...columns);
    grid.append(head, bands);
  } else {
    head.append(...columns);
    grid.append(head);
  }
  table.rows.forEach((row, i) => {
    const tr = el("tr");
    tr.append(el("th", label(table, row), { scope: "row" }), ...table.values[i].map(cell));
    if (crossed) tr.append(cell(table.row_totals[i]));
    grid.append(tr);
  });
  if (crossed) {
    const totals = el("tr", null, { class: "total" });
    totals.append(el("th", t("report_total"), { scope: "row" }), ...table.column_totals.map(cell), cell(table.total));
    grid.append(totals);
  }
  return grid;
}

/** A table's name in words (`people_received` → « Personnes reçues »); one without words humanised. */
export function tableName(name) {
  return t(`table_${name}`) === `table_${name}` ? code(name) : t(`table_${name}`);
}
