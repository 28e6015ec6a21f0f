// The case's priority and the person's vulnerabilities (shown; set with `PATCH /cases/{id}`), and a
// transfer between desks as each desk reads it: where the case came from or went, and the fields
// kept at the sending desk (`fields_withheld`: the receiving desk asks the person for them).
import { api, problemLines } from "./api.js";
import { el, sayLines } from "./dom.js";
import { code, i18n, t } from "./i18n.js";
import { deskTime, state } from "./state.js";
import { action, openCase, rereadIfStale } from "./case.js";

/** The priorities and vulnerability flags a case takes, in the API's order (app/cases/workflow.py
 * PRIORITIES, VULNERABILITY_FLAGS). */
export const PRIORITIES = ["low", "normal", "high", "urgent"];
export const VULNERABILITY_FLAGS = [
  "minor", "unaccompanied_minor", "pregnant", "disability", "serious_illness", "elderly",
  "victim_of_violence", "trafficking_victim", "detained", "homeless", "stranded", "no_documents",
];

/** The vulnerability flags `flags` in words, in the order of the list (any other after), or "none". */
function flagsText(flags) {
  const known = VULNERABILITY_FLAGS.filter((f) => flags.includes(f));
  const ordered = [...known, ...flags.filter((f) => !VULNERABILITY_FLAGS.includes(f))];
  return ordered.length ? ordered.map((f) => code(f, "vulnerability")).join(", ") : t("no_vulnerability");
}

/** The rows of the case's definition list: its priority and the person's vulnerabilities. */
export function detailsRows(c) {
  // a closed case says how it ended (a closure request says it in its own block, closureRequest)
  const closing = c.closed_at && c.outcome_category
    ? [[t("outcome"), code(c.outcome_category)], ...(c.outcome_note ? [[t("closing_note_shown"), c.outcome_note]] : [])]
    : [];
  return [...closing, [t("priority"), code(c.priority, "priority")], [t("vulnerabilities"), flagsText(c.vulnerability_flags || [])]];
}

/** The case's priority as a list (`[label, select]`, the select's id `id`, name `priority`),
 * `value` chosen: the case screen's form and the opening form (case_open.js) share it. */
export function priorityField(id, value) {
  const priority = el("select", null, { id, name: "priority" });
  for (const p of PRIORITIES) priority.append(el("option", code(p, "priority"), { value: p }));
  priority.value = value;
  return [el("label", t("priority"), { for: id }), priority];
}

/** The vulnerability flags as boxes, those of `flags` ticked. Each box has a name of its own
 * (`flag_<flag>`), so that a case read again after a 412 gets the agent's ticks back (case.js
 * restore). */
export function flagsField(flags) {
  const set = el("fieldset", null, { class: "checks" });
  set.append(el("legend", t("vulnerabilities")));
  for (const f of VULNERABILITY_FLAGS) {
    const label = el("label", null, { class: "inline" });
    const tick = el("input", null, { type: "checkbox", name: `flag_${f}`, value: f });
    tick.checked = flags.includes(f);
    label.append(tick, el("span", code(f, "vulnerability")));
    set.append(label);
  }
  return set;
}

/** The flags ticked in `form` (built with flagsField), in the list's order. */
export function flagsTicked(form) {
  return VULNERABILITY_FLAGS.filter((f) => form.elements.namedItem(`flag_${f}`).checked);
}

/** The form that sets the priority and the vulnerabilities of an open case. */
export function detailsForm(c, box) {
  const form = el("form", null, { id: "case-details-form" });
  const [priorityLabel, priority] = priorityField("case-priority", c.priority);
  const flags = flagsField(c.vulnerability_flags || []);
  form.append(
    el("h2", t("details_heading")), priorityLabel, priority, flags,
    el("button", t("details_save"), { type: "submit" }),
  );
  action(form, box, async () => {
    const ticked = flagsTicked(form);
    // a flag this client has no box for (a newer API) is kept, never dropped by saving the form
    const other = (c.vulnerability_flags || []).filter((f) => !VULNERABILITY_FLAGS.includes(f));
    const body = { priority: priority.value, vulnerability_flags: [...ticked, ...other] };
    const r = await api("PATCH", `/api/v1/cases/${c.id}`, { json: body, headers: { "If-Match": state.caseView.etag } });
    if (await rereadIfStale(r, c, form)) return undefined;
    if (!r.ok) return sayLines(box, problemLines(r.body, form));
    return openCase(c.id, t("details_saved"));
  });
  return form;
}

/** The fields a transfer kept at the sending desk, in words ("description de la demande, …"). */
function withheldFields(fields) {
  return fields.map((f) => code(f, "withheld")).join(", ");
}

/** For a transfer event of the timeline, the fields kept at the sending desk as the reader's desk
 * says it ("" for another event, or none kept): the sender kept them, the receiver asks for them. */
export function withheldText(e) {
  const d = e.details || {};
  if (!(d.fields_withheld || []).length) return "";
  const fields = withheldFields(d.fields_withheld);
  if (e.kind === "transferred_out") return t("withheld_kept", { fields });
  if (e.kind === "transferred_in") return t("withheld_ask", { desk: d.from_desk, fields });
  return "";
}

/** A case's changes (`case_updated`'s `{field: {before, after}}`) in words: the new priority said. */
export function caseUpdatedText(changes) {
  const word = (f) => (t(`changed_${f}`) === `changed_${f}` ? f.replaceAll("_", " ") : t(`changed_${f}`));
  return Object.keys(changes)
    .map((f) => (f === "priority" ? `${word(f)} (${code(changes[f].after, "priority")})` : word(f))).join(", ");
}

/** The case's transfers as the reader's desk sees them (null when none): received from a desk,
 * with what to ask the person again; transferred to a desk, with what stayed here. */
export function transferNotice(c, events) {
  const lines = [];
  for (const e of events) {
    const d = e.details || {};
    const when = deskTime(e.occurred_at, c.desk_id, i18n.lang);
    const fields = withheldFields(d.fields_withheld || []);
    // what to ask the person again stands out: the receiving desk acts on it
    if (e.kind === "transferred_in") {
      lines.push(el("p", t("transfer_in_line", { desk: d.from_desk, number: d.source_case_number, when })));
      if (fields) lines.push(el("p", t("transfer_in_withheld", { desk: d.from_desk, fields }), { class: "msg info" }));
    } else if (e.kind === "transferred_out") {
      lines.push(el("p", t("transfer_out_line", { desk: d.to_desk, number: d.target_case_number, when })));
      if (fields) lines.push(el("p", t("transfer_out_withheld", { fields })));
    }
  }
  if (!lines.length) return null;
  const s = el("section", null, { id: "case-transfer" });
  s.append(el("h2", t("transfer_heading")), ...lines);
  return s;
}
