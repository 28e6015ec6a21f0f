// One case: status and due date, take it, move it to an allowed next status (the reason, outcome or
// receiving desk the workflow asks for), notes, referrals, and a readable timeline in desk time.
import { api, problemLines, SessionExpired } from "./api.js";
import { $, busy, definitionList, el, focusOn, say, sayLines } from "./dom.js";
import { addWords, code, CODES, colon, dayText, i18n, t } from "./i18n.js";
import { CASE_CODES, CASE_LABELS } from "./i18n_cases.js";
import { deskTime, staffRead, state } from "./state.js";
import { actorText } from "./actors.js";
import { address, mayLeave, showTab } from "./tabs.js";
import { keepOf, putBack, restore, typedInput } from "./carry.js";
import { followUp } from "./case_followup.js";
import { openPerson } from "./person.js";
import { assignForm, closureDecision, closureRequest, CLOSING_STATUSES, dueDateForm } from "./case_supervise.js";
import { explainProblem, referralShortcut, transferConsents, transferDeskSelect } from "./case_referral_transfer.js";
import { caseUpdatedText, detailsForm, detailsRows, transferNotice, withheldText } from "./case_details.js";

addWords(CASE_LABELS, CASE_CODES);

export function day(iso) {
  return dayText(iso);
}

export function serviceLabel(codeValue) {
  const found = (state.serviceTypes || []).find((s) => s.code === codeValue);
  return found ? (i18n.lang === "fr" ? found.label_fr : found.label_en) : codeValue;
}

export async function loadServiceTypes() {
  if (state.serviceTypes) return state.serviceTypes;
  const r = await api("GET", "/api/v1/service-types");
  state.serviceTypes = r.ok ? r.body : [];
  return state.serviceTypes;
}

// Run an action of the case screen: progress on the button, the answer next to it, errors in words.
export function action(form, box, run) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(event.submitter || $("button[type=submit]", form), async () => {
      try {
        await run();
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(box, error.message);
      }
    });
  });
}

// A change refused because the case changed meanwhile (412: another tab, a colleague): the case is
// read again (its new ETag, so the next try is not refused for the same reason), the agent's choice
// put back in the form it was made in, and a plain sentence says so. Any other refusal: false.
export async function rereadIfStale(r, c, form) {
  if (r.status !== 412) return false;
  const keep = form && form.id ? keepOf(form) : null;
  await openCase(c.id, t("case_changed"), { keep, tone: "warning" });
  return true;
}

/** One event of the case's timeline in words: "<when> — <who> (<role>) <what>"; an event kind this
 * client has no words for is said as an action not detailed, never as an edit of the case. */
export function eventText(e, deskId) {
  const d = e.details || {};
  const vars = {
    from: code(d.from), to: d.to_label || code(d.to), partner: d.partner || "", desk: d.to_desk || d.from_desk || "",
    number: d.target_case_number || d.source_case_number || "",
    // the labels an agent typed go with the person's data (the codes stay): none left, said so
    documents: (d.documents || []).map((x) => (CODES[i18n.lang][x] ? code(x) : x)).join(", ") || t("documents_erased"),
    when: d.starts_at ? deskTime(d.starts_at, deskId, i18n.lang) : "", kind: code(d.kind),
  };
  let key = `ev_${e.kind}`;
  if (e.kind === "assigned" && !d.to) key = "ev_unassigned";
  if (e.kind === "note_added" && d.confidential) key = "ev_note_confidential";
  // the receiving desk's due date kept from the sending case (a transfer), not changed by hand here
  if (e.kind === "due_date_changed" && d.kept_from) { key = "ev_due_date_kept"; vars.number = d.kept_from; }
  if (e.kind === "due_date_changed") { vars.from = dayText(d.from); vars.to = dayText(d.to); }
  if (e.kind === "case_updated" && d.changes) { key = "ev_case_updated_fields"; vars.fields = caseUpdatedText(d.changes); }
  if (!t(key) || t(key) === key) key = "ev_other";
  const extra = [];
  if (d.reason) extra.push(t("with_reason", { reason: d.reason }));
  if (d.outcome_category) extra.push(t("with_outcome", { outcome: code(d.outcome_category) }));
  if (d.outcome_note) extra.push(t("with_closing_note", { note: d.outcome_note }));
  if (d.requested_status) extra.push(t("with_requested", { status: code(d.requested_status) }));
  const who = actorText(e);
  const withheld = withheldText(e); // a transfer: the fields kept at the sending desk, said to each desk
  return `${deskTime(e.occurred_at, deskId, i18n.lang)} — ${who} ${t(key, vars)}${extra.length ? ` (${extra.join(", ")})` : ""}${withheld ? ` — ${withheld}` : ""}`;
}

// The case's events, oldest first (the API's page of up to 200); null when they could not be read
// (a refusal, no answer): the rest of the case is still shown.
async function events(c) {
  try {
    const r = await api("GET", `/api/v1/cases/${c.id}/timeline`);
    return r.ok ? r.body.items : null;
  } catch (error) {
    if (error instanceof SessionExpired) throw error;
    return null;
  }
}

// `items` null: the timeline could not be read, said in its place rather than an empty history.
function timeline(c, items) {
  const s = el("section", null, { id: "case-timeline" });
  s.append(el("h2", t("timeline")));
  if (!items) {
    s.append(el("p", t("timeline_unread"), { class: "msg warning" }));
    return s;
  }
  const ol = el("ol", null, { class: "timeline" });
  for (const e of items) ol.append(el("li", eventText(e, c.desk_id)));
  s.append(ol);
  return s;
}

// `decision`: how the form reads for a supervisor deciding a closure request (closureDecision).
function moveForm(c, box, decision) {
  const form = el("form", null, { id: "move-form" });
  if (!c.allowed_transitions.length) return el("p", t("no_move"));
  const target = el("select", null, { id: "move-to", name: "to" });
  // From a closed case every move reopens it: said so ("Rouvrir : En suivi"), with its reason.
  const label = (s) => (decision ? decision.option(s) : c.closed_at ? t("reopen_to", { status: code(s) }) : code(s));
  for (const s of decision ? decision.order(c.allowed_transitions) : c.allowed_transitions) target.append(el("option", label(s), { value: s }));
  const outcome = el("select", null, { id: "move-outcome", name: "outcome_category" });
  outcome.append(el("option", t("pick"), { value: "" }));
  for (const o of ["social", "psychosocial", "health", "economic", "training", "financing", "administrative", "legal", "information", "no_outcome"]) {
    outcome.append(el("option", code(o), { value: o }));
  }
  // a closure request keeps the outcome and note the agent proposed, unless the supervisor changes them
  const pending = c.status === "pending_closure";
  if (pending) outcome.value = c.outcome_category || "";
  const requested = el("select", null, { id: "move-requested", name: "requested_status" });
  for (const s of CLOSING_STATUSES) requested.append(el("option", code(s), { value: s }));
  const note = el("textarea", null, { id: "move-note", name: "outcome_note", rows: "2", "data-max": "2000" });
  if (pending) note.value = c.outcome_note || "";
  // The receiving desk: one of the other active desks (agents see only their own in /desks).
  const desk = transferDeskSelect(c);
  // The consents the API would accept for the desk chosen, listed again when the desk changes.
  const consent = el("select", null, { id: "move-consent", name: "consent_id" });
  const listConsents = () => {
    const chosen = desk.desks.get(desk.value) || null;
    const usable = transferConsents(state.caseView.person.consents, chosen);
    const none = t(chosen ? "no_consent_for_desk" : "no_transfer_consent");
    consent.replaceChildren(...(usable.length ? [] : [el("option", none, { value: "" })]),
      ...usable.map((x) => el("option", `${code(x.purpose)} · ${day(x.recorded_at)}`, { value: String(x.id) })));
  };
  listConsents();
  desk.addEventListener("change", listConsents);
  // Each field sits in its own block, shown only when the chosen status asks for it (the API says
  // which: `transition_fields`); a hidden field is not sent.
  const block = (name, ...nodes) => {
    const div = el("div", null, { "data-field": name });
    // shown only when the chosen status needs it: said to be needed before sending
    div.append(...nodes, el("small", t("needed"), { class: "needed" }));
    return div;
  };
  // optional fields the move takes (app/cases/workflow.py accepted_fields): a closing note with
  // any move that asks for an outcome, the closing status proposed with a closure request
  const optional = (name, ...nodes) => {
    const div = el("div", null, { "data-field": name, "data-optional": "" });
    div.append(...nodes);
    return div;
  };
  // a transfer while the desks could not be loaded cannot be sent: no submit offered for it
  const submit = el("button", decision ? decision.button : t("move"), { type: "submit" });
  const offerSubmit = () => { submit.hidden = target.value === "transferred" && desk.unread; };
  desk.addEventListener("unread", offerSubmit);
  form.append(
    el("label", decision ? decision.label : t("move_to"), { for: "move-to" }), target,
    block("reason", el("label", decision ? decision.reason : t("reason"), { for: "move-reason" }), el("input", null, { id: "move-reason", name: "reason", "data-max": "500" })),
    optional("requested_status", el("label", t("requested_status"), { for: "move-requested" }), requested),
    block("outcome_category", el("label", t("outcome"), { for: "move-outcome" }), outcome),
    optional("outcome_note", el("label", t("closing_note"), { for: "move-note" }), note),
    block("to_desk", el("label", t("to_desk"), { for: "move-desk" }), desk),
    block("consent_id", el("label", t("transfer_consent"), { for: "move-consent" }), consent),
    submit,
  );
  const needs = c.transition_fields || {};
  const showNeeded = () => {
    const wanted = needs[target.value] || [];
    const taken = [...wanted, ...(wanted.includes("outcome_category") ? ["outcome_note"] : []),
      ...(target.value === "pending_closure" ? ["requested_status"] : [])];
    for (const div of form.querySelectorAll("[data-field]")) {
      div.hidden = !taken.includes(div.dataset.field);
      for (const input of div.querySelectorAll("input, select, textarea")) {
        input.disabled = div.hidden;
        if (!("optional" in div.dataset)) input.setAttribute("aria-required", String(!div.hidden));
      }
    }
  };
  target.addEventListener("change", () => { showNeeded(); offerSubmit(); });
  showNeeded();
  action(form, box, async () => {
    const data = new FormData(form);
    const body = { to: data.get("to") };
    if ((data.get("reason") || "").trim()) body.reason = data.get("reason").trim();
    if (data.get("outcome_category")) body.outcome_category = data.get("outcome_category");
    if (data.get("requested_status")) body.requested_status = data.get("requested_status");
    if ((data.get("outcome_note") || "").trim()) body.outcome_note = data.get("outcome_note").trim();
    if (body.to === "transferred") {
      if (data.get("to_desk")) body.to_desk = data.get("to_desk");
      if (data.get("consent_id")) body.consent_id = Number(data.get("consent_id"));
    }
    const r = await api("POST", `/api/v1/cases/${c.id}/transitions`, { json: body, headers: { "If-Match": state.caseView.etag } });
    if (await rereadIfStale(r, c, form)) return undefined;
    if (!r.ok && explainProblem(r.body, box)) return undefined;
    if (!r.ok) return sayLines(box, problemLines(r.body, form));
    // a transfer says where the case went, not only that its status changed
    const where = body.to === "transferred" ? desk.selectedOptions[0] : null;
    return openCase(c.id, where ? t("transferred_to", { desk: where.textContent }) : t("status_saved"));
  });
  return form;
}

function takeForm(c, box) {
  const form = el("form");
  form.append(el("button", t("take"), { type: "submit" }));
  action(form, box, async () => {
    const r = await api("POST", `/api/v1/cases/${c.id}/assignment`, {
      json: { assignee_id: state.me.id }, headers: { "If-Match": state.caseView.etag },
    });
    if (await rereadIfStale(r, c, form)) return undefined;
    if (!r.ok) return sayLines(box, problemLines(r.body));
    return openCase(c.id, t("taken"));
  });
  return form;
}

// Only the latest opening draws: a click that reopens the case while an earlier opening is still
// loading must not leave two screens' parts (two timelines…) in the page.
const opening = { n: 0 };
document.addEventListener("desk:cleared", () => { opening.n += 1; }); // signed out: a late answer draws nothing

// `done`: the sentence said once it is drawn (`tone` "ok" or "warning"); `keep`: a form's values
// to put back (see rereadIfStale); `carry`: the same case drawn again (in the other language) keeps
// what the agent typed in any of its forms and the refusal said about it (carry.js), as the
// registration and partners screens keep theirs.
export async function openCase(id, done = "", { keep = null, tone = "ok", carry = false } = {}) {
  if (!(await mayLeave(address("case", id)))) return undefined;  // unsaved input on the screen: the agent stays
  const seq = ++opening.n;
  showTab("case", { focus: false, address: address("case", id) });
  const box = $("#case-msg");
  const view = $("#case");
  // Never another case (the one shown before) while this one loads: its forms would act on it. The
  // case shown drawn again (after a change, in the other language) stays until its new drawing.
  if (view.dataset.case !== String(id).toLowerCase()) {
    delete view.dataset.case;
    view.replaceChildren(el("p", t("loading"), { role: "status" }));
  }
  try {
    await loadServiceTypes();
    const r = await api("GET", `/api/v1/cases/${id}`);
    if (seq !== opening.n) return undefined;
    if (!r.ok) { view.replaceChildren(); delete view.dataset.case; sayLines(box, problemLines(r.body)); return focusOn(box); }
    const c = r.body;
    // the person's name read from their file; not read (a refusal, no answer): « nom indisponible »
    const person = await api("GET", `/api/v1/registrants/${c.registrant_id}`).catch((error) => {
      if (error instanceof SessionExpired) throw error;
      return { ok: false, body: null };
    });
    if (seq !== opening.n) return undefined;
    state.caseView = { case: c, etag: r.etag, person: person.ok ? person.body : { consents: [] } };
    const supervisor = ["supervisor", "admin"].includes(state.me.role);
    // still worked on: not closed nor transferred (allowed_transitions are the reader's moves: none
    // for an agent on a closure request, who still takes the case, writes notes and refers)
    const open = !c.closed_at;
    const assign = supervisor && open ? await assignForm(c, box) : null; // also loads the desk's staff
    const name = person.ok ? `${person.body.given_names} ${person.body.family_name}` : t("name_unavailable");
    const read = await events(c);
    const history = read || [];
    const title = el("h1", `${c.case_number} — ${serviceLabel(c.service_type)}`);
    // the assignee by name, from the desk's staff (someone no longer active there: "another agent";
    // the staff not loaded: « nom indisponible », the rest of the case drawn all the same)
    const mine = c.assignee_id === state.me.id;
    const staff = c.assignee_id && !mine ? await staffRead(c.desk_id) : null;
    const colleague = staff ? staff.find((x) => x.id === c.assignee_id) : null;
    if (seq !== opening.n) return undefined;
    const other = staff ? t("assignee_other") : t("name_unavailable");
    const assignee = c.assignee_id ? (mine ? t("you") : (colleague ? colleague.full_name : other)) : t("nobody");
    const toPerson = el("button", `${t("open_file")}${colon()}${name}`, { type: "button", class: "link" });
    toPerson.addEventListener("click", () => openPerson(c.registrant_id));
    const parts = [
      title, toPerson,
      definitionList([[t("person"), name], [t("status"), code(c.status)], [t("due"), day(c.due_date)],
        [t("channel"), code(c.channel, "channel")], [t("assignee"), assignee], [t("description"), c.description],
        ...detailsRows(c)]),
    ];
    const moved = transferNotice(c, history);
    if (moved) parts.push(moved);
    // a closure request is said first; a supervisor decides it right under it
    const decision = closureDecision(c);
    const move = el("section");
    move.append(el("h2", decision ? decision.heading : t("move")), moveForm(c, box, decision));
    const request = closureRequest(c, name, history);
    if (request) parts.push(request, ...(decision ? [move] : []));
    if (!c.assignee_id && open) parts.push(takeForm(c, box));
    if (assign) parts.push(assign);
    if (supervisor && open) parts.push(dueDateForm(c, box)); // the API refuses an agent's new due date
    if (!decision) parts.push(move);
    if (open) parts.push(detailsForm(c, box));
    const follow = await followUp(c, box);
    // `referred` is offered once a referral awaits its answer: until then the move's place leads to the form
    const shortcut = referralShortcut(c, follow.map((s) => s.querySelector("#referral-form")).find(Boolean));
    if (shortcut) move.append(shortcut);
    parts.push(...follow, timeline(c, read));
    if (seq !== opening.n) return undefined;
    // read at the last moment: what was typed while the case was read again is kept too
    const typed = carry && view.dataset.case === c.id ? typedInput(view, $("#tab-case")) : null;
    view.replaceChildren(...parts);
    view.dataset.case = c.id;
    await restore(keep);
    if (seq !== opening.n) return undefined;  // another case opened while a list was being filled
    say(box, done, tone);
    // drawn again in the other language: the focus stays on the language button, as on the
    // registration and partners screens
    if (typed) return putBack(typed, $("#tab-case"));
    return focusOn(done ? box : title);
  } catch (error) {
    if (!(error instanceof SessionExpired)) say(box, error.message);
    return undefined;
  }
}
