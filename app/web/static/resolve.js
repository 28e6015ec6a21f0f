// An import batch's pending flagged rows, drawn PAGE_ROWS a page in file order and resolved one at a
// time or a whole page at once (discarded, or each a new person, after a question): the row, who it may be (each
// candidate's file opens to compare) and the agent's decision: the same person as a candidate
// (link), a new person (create) or discard. Each decision is sent with an Idempotency-Key kept
// until it is confirmed (as registrations, notes and referrals are): resent after a lost answer,
// the API answers the first resolution again instead of 409; the button stays disabled while sending.
import { api, keyFor, problemLines, readPart, SessionExpired, sent } from "./api.js";
import { $, busy, confirmButton, el, focusOn, KEEP_ASKING, numberSpan, say, sayLines, unreadNotice } from "./dom.js";
import { code, colon, i18n, percent, t } from "./i18n.js";

const who = (c) => c.registration_number || `${t("line")} ${c.line}`;

function candidateItem(c) {
  const li = el("li");
  li.append(c.registration_number ? numberSpan(c.registration_number) : who(c),
    el("span", ` — ${percent(c.score)} % — ${(c.reasons || []).map(code).join(", ") || t("empty")}`));
  if (c.through) li.append(" ", ...throughNodes(c.through));
  if (c.registrant_id) {
    const open = el("button", t("compare_file"), { type: "button", class: "secondary", "aria-label": `${t("compare_file")}${colon()}${who(c)}` });
    open.addEventListener("click", async () => (await import("./person.js")).openPerson(c.registrant_id));
    li.append(" ", open);
  }
  return li;
}

// "Through a merged file …" ends a candidate's reasons (the values compared were that file's): its
// words, then the merged file's number that ends them, set apart.
export function throughNodes(through) {
  const at = through.lastIndexOf(" ") + 1;
  return [through.slice(0, at), numberSpan(through.slice(at))];
}

// A decision's radio button; a registration number in its words (`number`) never parts at its hyphens.
function choice(name, value, text, number) {
  const label = el("label", null, { class: "inline" });
  const words = el("span");
  (number ? text.split(number) : [text]).forEach((part, i) => words.append(...(i ? [numberSpan(number)] : []), part));
  label.append(el("input", null, { type: "radio", name, value }), words);
  return label;
}

function resultText(row, out) {
  if (out.resolution === "discarded") return t("row_discarded", { line: row.line });
  return t(out.resolution === "linked" ? "row_linked" : "row_created", { line: row.line, number: out.registration_number || "" });
}

// One pending row as a form; `done(text)` after the API resolved it.
function rowForm(batchId, row, done) {
  const id = `resolve-${row.line}`;
  const form = el("form", null, { class: "resolve-row", "aria-labelledby": `${id}-title`, "data-line": String(row.line) });
  form.append(el("h3", `${t("line")} ${row.line} · ${row.name}`, { id: `${id}-title` }));
  form.append(el("p", `${t("register_number")}${colon()}${row.number || t("empty")}`));
  form.append(el("p", t("may_be")));
  const list = el("ul");
  for (const c of row.candidates) list.append(candidateItem(c));
  form.append(list);
  const decision = el("fieldset");
  decision.append(el("legend", t("decision")));
  for (const c of row.candidates.filter((x) => x.registrant_id)) decision.append(choice(`${id}-decision`, `link:${c.registrant_id}`, t("link_to", { who: who(c) }), c.registration_number));
  decision.append(choice(`${id}-decision`, "create", t("create_new")), choice(`${id}-decision`, "discard", t("discard_row")));
  const msg = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const submit = el("button", t("resolve_row"), { type: "submit" });
  form.append(decision, submit, msg);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const picked = form.elements.namedItem(`${id}-decision`).value;
      if (!picked) {
        say(msg, t("pick_decision"));
        return focusOn(decision.querySelector("input"));
      }
      const body = picked.startsWith("link:") ? { decision: "link", registrant_id: picked.slice(5) } : { decision: picked };
      try {
        const slot = `resolution:${batchId}:${row.line}`;
        const path = `/api/v1/imports/${encodeURIComponent(batchId)}/rows/${row.line}/resolution`;
        const r = await api("POST", path, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
        if (!r.ok) {
          sayLines(msg, problemLines(r.body));
          return focusOn(msg);
        }
        sent(slot);
        return done(resultText(row, r.body), row.line);
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(msg, error.message);
        return undefined;
      }
    });
  });
  return form;
}

/** Rows drawn a page: the flagged rows' table and the pending rows' forms (a batch may hold thousands). */
export const PAGE_ROWS = 50;

// A count as the interface language writes it ("4 000", "4,000").
const counted = (n) => new Intl.NumberFormat(i18n.lang).format(n);

/** The pager of a list drawn by pages: « 51–100 sur 4 000 » (live: said when the page changes)
 * between a "previous rows" and a "next rows" button, each disabled where there is none. `name`
 * tells the list's pagers apart to assistive technologies; `go(step)` draws the page -1 or +1. */
export function pager({ first, shown, total, more, name }, go) {
  const nav = el("nav", null, { class: "pager", "aria-label": name });
  const previous = el("button", t("rows_previous"), { type: "button", class: "secondary" });
  const next = el("button", t("rows_next"), { type: "button", class: "secondary" });
  const last = first + shown - 1;
  const where = el("p", shown ? t("rows_span", { first: counted(first), last: counted(last), total: counted(Math.max(total, last)) }) : "", { role: "status" });
  previous.disabled = first <= 1;
  next.disabled = !more;
  previous.addEventListener("click", () => busy(previous, () => go(-1)));
  next.addEventListener("click", () => busy(next, () => go(1)));
  nav.append(previous, where, next);
  return nav;
}

// The page of pending rows each batch is on, as the cursors that read each page up to it (the first
// page: null): a decision draws the same page again, its rows after it moving up into it.
const pendingPages = new Map();

// Every row of the page resolved the same way at once (POST /imports/{id}/resolutions, all or
// nothing), after a question; kept by an Idempotency-Key until confirmed, as one row's decision.
function wholePage(batchId, rows, decision, done) {
  const n = rows.length;
  const msg = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const button = confirmButton({
    label: t(`page_${decision}`, { n }), question: t(`page_${decision}_q`, { n, first: rows[0].line, last: rows[n - 1].line }),
    yes: t(`page_${decision}_yes`, { n }), no: t("page_no"),
  }, async () => {
    const body = { items: rows.map((row) => ({ line: row.line, decision })) };
    const slot = `resolutions:${batchId}:${rows.map((row) => row.line).join(",")}`;
    try {
      const r = await api("POST", `/api/v1/imports/${encodeURIComponent(batchId)}/resolutions`, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
      if (!r.ok) {
        // each refused row's own reason under the page's: nothing was written
        const refused = (r.body && r.body.errors) || [];
        const said = (e) => {
          const why = e.detail || e.title;
          return e.line === undefined || why.includes(String(e.line)) ? why : `${t("line")} ${e.line}${colon()}${why}`;
        };
        const lines = [t("page_refused", { n: refused.length }), ...refused.map(said)];
        if (r.status === 409) lines.push(t("page_show_again"));  // resolved meanwhile: this page is out of date
        sayLines(msg, refused.length ? lines : problemLines(r.body));
        return focusOn(msg);
      }
      sent(slot);
      say(msg, "");
      return done(t(`page_${decision}_done`, { n }), rows[0].line - 1);
    } catch (error) {
      if (!(error instanceof SessionExpired)) say(msg, error.message);
      return KEEP_ASKING;
    }
  });
  const wrap = el("div", null, { class: "page-decision" });
  wrap.append(button, msg);
  return wrap;
}

// The section listing the batch `report`'s pending rows (GET /imports/{id}, or as desk staff read
// it), PAGE_ROWS a page in file order, with its counts and the page's rows resolved at once. A
// candidate that is an earlier row of the file, resolved since, is offered as the person it became.
export async function pendingSection(report, done) {
  const batchId = report.batch_id;
  const became = new Map(report.rows.filter((r) => r.registrant_id).map((r) => [r.line, r.registrant_id]));
  const section = el("section", null, { "aria-labelledby": "pending-title", id: "pending-rows" });
  if (!pendingPages.has(batchId)) pendingPages.set(batchId, [null]);
  const cursors = pendingPages.get(batchId);
  let r;
  for (;;) {
    const params = new URLSearchParams({ resolution: "pending", limit: String(PAGE_ROWS) });
    const cursor = cursors[cursors.length - 1];
    if (cursor) params.set("cursor", cursor);
    r = await readPart(`/api/v1/imports/${encodeURIComponent(batchId)}/flagged?${params}`);
    // a last page whose rows were all resolved: the page before it
    if (r.ok && !r.body.items.length && cursors.length > 1) { cursors.pop(); continue; }
    break;
  }
  // not loaded (a refusal, no answer): said in the list's place, the batch's table still drawn
  if (!r.ok) {
    section.removeAttribute("aria-labelledby");  // no title: how many rows are pending is not known
    section.append(unreadNotice());
    return section;
  }
  const pending = r.body.items;
  const c = report.counts || {};
  const first = (cursors.length - 1) * PAGE_ROWS + 1;
  const total = Math.max(c.pending ?? 0, first + pending.length - 1);
  section.append(el("h2", t("to_resolve", { n: counted(pending.length ? total : 0) }), { id: "pending-title" }));
  section.append(el("p", t("resolved_counts", { linked: c.linked || 0, created: c.created || 0, discarded: c.discarded || 0 })));
  if (!pending.length) {
    section.append(el("p", t("nothing_to_resolve")));
    return section;
  }
  // another page drawn in this one's place, its pager focused (the buttons' own place)
  const go = async (step) => {
    if (step > 0) cursors.push(r.body.next_cursor);
    else cursors.pop();
    const again = await pendingSection(report, done);
    section.replaceWith(again);
    return focusOn(again.querySelector(".pager [role=status]"));
  };
  const paging = { first, shown: pending.length, total, more: Boolean(r.body.next_cursor), name: t("pending_pages") };
  section.append(pager(paging, go));
  // a page of one row: its own form decides it
  if (pending.length > 1) section.append(wholePage(batchId, pending, "discard", done), wholePage(batchId, pending, "create", done));
  for (const row of pending) {
    row.candidates = row.candidates.map((x) => (x.registrant_id || !became.has(x.line) ? x : { ...x, registrant_id: became.get(x.line) }));
    section.append(rowForm(batchId, row, done));
  }
  if (pending.length > 5) section.append(pager(paging, go));
  return section;
}

/** The result of a decision said (#import-done, a live region). With `after` (the line decided,
 * or the line before a page decided at once), the agent stays where the decision was taken: the
 * result is shown again in the list, before the pending row that follows, and that row's form
 * gets the focus (else the list's title); without it, the focus goes to the result at the top. */
export function sayDone(text, after) {
  const box = $("#import-done");
  say(box, text, "ok");
  const section = $("#pending-rows");
  if (after === undefined || !section) return focusOn(box);
  const next = [...section.querySelectorAll("form.resolve-row")].find((form) => Number(form.dataset.line) > after);
  const note = el("p", text, { class: "msg ok row-done" });
  if (next) {
    next.before(note);
    return focusOn(next);
  }
  const title = section.querySelector("h2");
  if (title) title.after(note);
  else section.prepend(note);
  return focusOn(title || note);
}
