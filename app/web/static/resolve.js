// An import batch's pending flagged rows, resolved one at a time: the row, who it may be (each
// candidate's file opens to compare) and the agent's decision: the same person as a candidate
// (link), a new person (create) or discard. Each decision is sent with an Idempotency-Key kept
// until it is confirmed (as registrations, notes and referrals are): resent after a lost answer,
// the API answers the first resolution again instead of 409; the button stays disabled while sending.
import { api, keyFor, problemLines, readPart, SessionExpired, sent } from "./api.js";
import { $, busy, el, focusOn, numberSpan, say, sayLines, unreadNotice } from "./dom.js";
import { code, colon, percent, t } from "./i18n.js";

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
  const form = el("form", null, { class: "resolve-row", "aria-labelledby": `${id}-title` });
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
        return done(resultText(row, r.body));
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(msg, error.message);
        return undefined;
      }
    });
  });
  return form;
}

// The section listing the pending rows of the batch `report` (GET /imports/{id}), with its counts.
// A candidate that is an earlier row of the file, resolved since, is offered as the person it became.
export async function pendingSection(report, done) {
  const batchId = report.batch_id;
  const became = new Map(report.rows.filter((r) => r.registrant_id).map((r) => [r.line, r.registrant_id]));
  const section = el("section", null, { "aria-labelledby": "pending-title" });
  // every pending row, page after page (the API pages them: 200 at most a page)
  const pending = [];
  let cursor = null;
  do {
    const params = new URLSearchParams({ resolution: "pending", limit: "200" });
    if (cursor) params.set("cursor", cursor);
    const r = await readPart(`/api/v1/imports/${encodeURIComponent(batchId)}/flagged?${params}`);
    // not loaded (a refusal, no answer): said in the list's place, the batch's table still drawn
    if (!r.ok) {
      section.removeAttribute("aria-labelledby");  // no title: how many rows are pending is not known
      section.append(unreadNotice());
      return section;
    }
    pending.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor);
  section.append(el("h2", t("to_resolve", { n: pending.length }), { id: "pending-title" }));
  const c = report.counts || {};
  section.append(el("p", t("resolved_counts", { linked: c.linked || 0, created: c.created || 0, discarded: c.discarded || 0 })));
  if (!pending.length) section.append(el("p", t("nothing_to_resolve")));
  for (const row of pending) {
    row.candidates = row.candidates.map((x) => (x.registrant_id || !became.has(x.line) ? x : { ...x, registrant_id: became.get(x.line) }));
    section.append(rowForm(batchId, row, done));
  }
  return section;
}

export function sayDone(text) {
  const box = $("#import-done");
  say(box, text, "ok");
  return focusOn(box);
}
