// Legacy register imports: uploaded by administrators; the rows of one batch flagged as possible
// duplicates, with the registrants or earlier rows they may be, and those still pending to resolve
// (resolve.js) by the desk's staff. Agents and supervisors see their own desks' batches and read
// only the flagged rows (`/imports/{id}/flagged`): the whole report, which lists every person of
// the register, is for administrators (`/imports/{id}`), as is the upload.
import { api, clearInvalid, problemLines, readPart, SessionExpired } from "./api.js";
import { $, busy, drawTurn, el, focusOn, numberSpan, say, sayLines, scrollingTable, unreadNotice } from "./dom.js";
import { code, colon, dateText, i18n, percent, t } from "./i18n.js";
import "./i18n_day.js";
import { PAGE_ROWS, pager, pendingSection, sayDone, throughNodes } from "./resolve.js";
import { state } from "./state.js";

// The batches as last listed, by id: desk staff take a batch's file name, desk and counts from here.
const listed = new Map();

const administrator = () => Boolean(state.me && state.me.role === "admin");

// A batch as desk staff may read it: its flagged rows (every page), with the listed batch's file
// name and desk, and counts of the resolutions from the rows themselves. {ok, status, body} as
// readPart() (no answer: status 0).
async function flaggedReport(id) {
  const rows = [];
  let cursor = null;
  do {
    const params = new URLSearchParams({ limit: "200" });
    if (cursor) params.set("cursor", cursor);
    const r = await readPart(`/api/v1/imports/${encodeURIComponent(id)}/flagged?${params}`);
    if (!r.ok) return r;
    rows.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor);
  const batch = listed.get(id) || {};
  const counts = { total: (batch.counts || {}).total ?? rows.length, pending: 0, linked: 0, created: 0, discarded: 0 };
  for (const row of rows) if (row.resolution in counts) counts[row.resolution] += 1;
  return { ok: true, status: 200, body: { batch_id: id, filename: batch.filename, desk_code: batch.desk_code || "", rows, counts } };
}

// One candidate: its registration number (never parted at its hyphens), then score and reasons.
function candidateNodes(c) {
  const who = c.registration_number ? numberSpan(c.registration_number) : `${t("line")} ${c.line}`;
  const reasons = ` (${percent(c.score)} % — ${(c.reasons || []).map(code).join(", ")}`;
  return c.through ? [who, `${reasons} `, ...throughNodes(c.through), ")"] : [who, `${reasons})`];
}

function candidatesCell(candidates) {
  const cell = el("td", candidates.length ? null : t("empty"));
  candidates.forEach((c, i) => cell.append(...(i ? [" ; "] : []), ...candidateNodes(c)));
  return cell;
}

// `focus`: the batch's table gets the focus once drawn (not when drawn again after a decision:
// the agent stays on the row where it was taken, resolve.js sayDone).
async function loadBatch({ focus = true } = {}) {
  const box = $("#import-msg");
  say($("#import-done"), "");
  const form = $("#import-form");
  const id = form.elements.namedItem("batch").value.trim();
  const out = $("#import-report");
  // only the batch asked last is drawn: another batch's rows answered late draw nothing
  const current = drawTurn(out);
  try {
    const r = administrator() ? await readPart(`/api/v1/imports/${encodeURIComponent(id)}`) : await flaggedReport(id);
    if (!current()) return undefined;
    if (r.status === 422 || r.status === 404) return sayLines(box, problemLines({ detail: t("batch_unknown") }, form));
    say(box, "");
    // not loaded (a refusal, no answer): said in the report's place, never the rows of another batch
    if (!r.ok) return out.replaceChildren(unreadNotice());
    const report = r.body;
    // the rows this batch holds flagged, as many as the batches' table says (an administrator reads
    // the whole report, desk staff the flagged rows): a file imported again holds its already
    // flagged rows in the earlier batch, where they are resolved
    const flagged = report.rows.filter((row) => row.outcome === "flagged");
    const table = flaggedTable(report, flagged);
    // A row resolved: the batch and the batches' counts drawn again (the same pages), the result
    // said where the agent is.
    const done = async (text, after) => {
      await Promise.all([loadBatch({ focus: false }), loadBatches()]);
      return sayDone(text, after);
    };
    const pending = await pendingSection(report, done);
    if (!current()) return undefined;
    out.replaceChildren(table, pending);
    // the batches' table, scrolled to the row's button on a phone, is back at its start
    const batches = $("#import-batches .table-scroll");
    if (batches) batches.scrollLeft = 0;
    return focus ? focusOn(table.querySelector("table")) : undefined;
  } catch (error) {
    if (current() && !(error instanceof SessionExpired)) say(box, error.message);
    return undefined;
  }
}

// The page each batch's flagged rows table is on (0: the first), kept while the batch is drawn again.
const flaggedPages = new Map();

// The batch's flagged rows, PAGE_ROWS a page in file order (read-only: who each row may be), with
// its pager: a batch may hold thousands. The table and its pagers in one block.
function flaggedTable(report, flagged) {
  const pages = Math.max(1, Math.ceil(flagged.length / PAGE_ROWS));
  const page = Math.min(flaggedPages.get(report.batch_id) || 0, pages - 1);
  flaggedPages.set(report.batch_id, page);
  const shown = flagged.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS);
  const table = el("table");
  table.append(el("caption", `${report.filename || ""} · ${report.desk_code} · ${t("flagged_rows")}${colon()}${flagged.length} / ${report.counts.total}`));
  const head = el("tr");
  for (const key of ["line", "register_number", "person", "may_be"]) head.append(el("th", t(key), { scope: "col" }));
  table.append(head);
  for (const row of shown) {
    const tr = el("tr");
    const number = el("td", row.number ? null : t("empty"));
    if (row.number) number.append(numberSpan(row.number));
    tr.append(el("td", String(row.line)), number, el("td", row.name), candidatesCell(row.candidates));
    table.append(tr);
  }
  const block = el("div", null, { class: "flagged-rows" });
  block.append(scrollingTable(table));
  if (flagged.length > PAGE_ROWS) {
    const go = async (step) => {
      flaggedPages.set(report.batch_id, page + step);
      const again = flaggedTable(report, flagged);
      block.replaceWith(again);
      return focusOn(again.querySelector(".pager [role=status]"));
    };
    block.append(pager({ first: page * PAGE_ROWS + 1, shown: shown.length, total: flagged.length, more: page < pages - 1, name: t("flagged_pages") }, go));
  }
  return block;
}

// The batches, newest first, with their flagged rows count; a row's button shows its flagged rows.
export async function loadBatches() {
  const box = $("#import-msg");
  const out = $("#import-batches");
  try {
    const r = await readPart("/api/v1/imports?limit=50");
    // not loaded (a refusal, no answer): said so, never the batches shown before as if current
    if (!r.ok) { say(box, ""); return out.replaceChildren(unreadNotice()); }
    const table = el("table", null, { id: "batch-table" });
    table.append(el("caption", t("batches")));
    const head = el("tr");
    for (const key of ["imported_on", "desk", "batch_file", "by_whom", "status", "rows", "flagged_rows", "show"]) head.append(el("th", t(key), { scope: "col" }));
    table.append(head);
    listed.clear();
    for (const b of r.body.items) {
      listed.set(b.id, b);
      const tr = el("tr");
      const open = el("button", t("show_flagged"), { type: "button", class: "secondary", "aria-label": `${t("show_flagged")}${colon()}${b.filename || b.id}` });
      open.addEventListener("click", () => {
        $("#import-form").elements.namedItem("batch").value = b.id;
        busy(open, () => loadBatch());
      });
      const cell = el("td");
      cell.append(open);
      tr.append(el("td", dateText(new Date(b.created_at), { dateStyle: "medium", timeStyle: "short" })), el("td", b.desk_code), el("td", b.filename || t("empty")),
        el("td", b.actor_label), el("td", t(`batch_${b.status}`)), el("td", String(b.counts.total)), el("td", String(b.flagged_rows)), cell);
      table.append(tr);
    }
    out.replaceChildren(r.body.items.length ? scrollingTable(table) : el("p", t("no_batch")));
  } catch (error) {
    if (!(error instanceof SessionExpired)) say(box, error.message);
  }
  return undefined;
}

// An upload's report: its counts, then the rows rejected (every reason, and the row's other
// problems), those held as possible duplicates (who they may be) and those imported with a warning
// (line, N°, what was wrong), which the agent fixes in the register before importing it (again).
function uploadReport(report) {
  const c = report.counts;
  // this upload's own flagged rows, then those an earlier import holds (resolved in its batch)
  let said = t(report.dry_run ? "import_would" : "import_did", {
    total: c.total, imported: c.imported, flagged: c.flagged, rejected: c.rejected, already: c.already_imported,
  });
  if (c.already_flagged) said += ` ${t("import_already_flagged", { n: c.already_flagged })}`;
  const out = [el("p", said, { id: "register-import-summary" })];
  // the file's columns the import does not read, said before any row: nothing typed in them is kept
  const ignored = report.ignored_columns || [];
  if (ignored.length) {
    const names = ignored.map((name) => (i18n.lang === "fr" ? `«\u00a0${name}\u00a0»` : `“${name}”`)).join(", ");
    out.push(el("p", t("import_ignored", { n: ignored.length, columns: names }), { id: "register-import-ignored", class: "msg warning" }));
  }
  const held = (row) => row.outcome === "flagged" || row.outcome === "already_flagged";
  const listed = report.rows.filter((row) => row.outcome === "rejected" || held(row) || row.warnings.length);
  if (listed.length) {
    const table = el("table");
    table.append(el("caption", t("import_rows_to_check")));
    const head = el("tr");
    for (const key of ["line", "register_number", "person", "import_problem"]) head.append(el("th", t(key), { scope: "col" }));
    table.append(head);
    for (const row of listed) {
      // in French where the server wrote it (rows stored before migration 3301 have English only)
      const french = i18n.lang === "fr";
      const warned = row.warnings.map((w) => (french && w.message_fr) || `${w.field}${colon()}${w.message}`).join(" ; ");
      // the outcome in words, then only the parts the row has: its reason, who it may be, its
      // warnings ("also to correct" only after another part), never an empty part
      const parts = [];
      if (row.outcome === "rejected") parts.push([(french && row.reason_fr) || row.reason]);
      if (held(row) && row.candidates.length) {
        const nodes = [`${t("may_be")}${colon()}`];
        row.candidates.forEach((c, i) => nodes.push(...(i ? [" ; "] : []), ...candidateNodes(c)));
        parts.push(nodes);
      }
      if (warned) parts.push([parts.length ? `${t("import_also_check")}${colon()}${warned}` : warned]);
      const problem = el("td", code(report.dry_run && row.outcome === "imported" ? "would_import" : row.outcome, "outcome"));
      parts.forEach((nodes, i) => problem.append(i ? " ; " : " — ", ...nodes));
      const tr = el("tr");
      const number = el("td", row.number ? null : t("empty"));
      if (row.number) number.append(numberSpan(row.number));
      tr.append(el("td", String(row.line)), number, el("td", row.name || t("empty")), problem);
      table.append(tr);
    }
    out.push(scrollingTable(table));
  }
  return out;
}

async function uploadRegister(form, dryRun) {
  const box = $("#register-import-msg");
  const data = new FormData(form);
  data.set("dry_run", dryRun ? "true" : "false");
  try {
    const r = await api("POST", "/api/v1/imports/registers", { form: data });
    if (!r.ok) {
      $("#register-import-report").replaceChildren();  // an earlier file's report is not this one's
      if (r.body && r.body.type === "/problems/import-ambiguous-delimiter" && r.body.candidates) {
        // the file holds several delimiters and none names the columns: the agent picks one (each
        // shown in guillemets with no-break spaces, never parted from them at a line's end)
        const select = form.elements.namedItem("delimiter");
        select.setAttribute("aria-invalid", "true");
        select.focus();
        const found = r.body.candidates.map((d) => (d === "\t" ? t("delimiter_tab").toLowerCase() : `«\u00a0${d}\u00a0»`));
        return say(box, t("import_pick_delimiter", { found: found.join(", ") }));
      }
      return sayLines(box, problemLines(r.body, form));
    }
    say(box, "");
    clearInvalid(form);
    const out = $("#register-import-report");
    out.replaceChildren(...uploadReport(r.body));
    if (!dryRun) {  // the batch stored: listed, and its flagged rows shown to resolve
      await loadBatches();
      $("#import-form").elements.namedItem("batch").value = r.body.batch_id;
      await loadBatch();
    }
    return focusOn($("#register-import-summary"));
  } catch (error) {
    if (!(error instanceof SessionExpired)) say(box, error.message);
    return undefined;
  }
}

export function initImports() {
  const form = $("#import-form");
  form.removeAttribute("data-wait");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("button[type=submit]", form), () => loadBatch());
  });
  const upload = $("#register-import-form");
  upload.removeAttribute("data-wait");
  upload.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = event.submitter || $("button[type=submit]", upload);
    // one upload at a time: a check and an import sent together would each say the other's outcome
    const others = [...upload.querySelectorAll("button[type=submit]")].filter((b) => b !== button);
    for (const b of others) b.disabled = true;
    busy(button, () => uploadRegister(upload, button.value !== "false").finally(() => { for (const b of others) b.disabled = false; }));
  });
}
