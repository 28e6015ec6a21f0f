// The person's data-protection rights, in their file (docs/data-protection.md), for the roles the
// API allows: supervisors and administrators record the person's requests (access, erasure) and
// answer them — the access archive produced and downloaded, the erasure carried out after a
// question that says what it does, its outcome shown (every file of the person it reached, at
// which desk, what it removed) —, and place and release legal holds; they and auditors read the
// holds, the corrections made to the file (rectification) and the disclosures. person.js loads this module for those roles only: an agent, whom the API
// answers 403, never fetches it. Creating keeps its Idempotency-Key until the API confirms.
import { api, authorized, bodyOf, keyFor, Offline, problemLines, SessionExpired, sent } from "./api.js";
import { busy, confirmButton, drawTurn, el, focusOn, KEEP_ASKING, saveBlob, say, sayLines, unreadNotice } from "./dom.js";
import { colon, dayText, t } from "./i18n.js";
import { deskOf, state } from "./state.js";
import { failed, field, listAll, messageBox, refuse } from "./admin_common.js";
import { holdsPart, untilText } from "./rights_holds.js";
import { deskNamed, disclosuresPart, word } from "./rights_register.js";
import { correctionsPart } from "./rights_corrections.js";
import "./i18n_rights.js";
import { savedName } from "./downloads.js";

export const REQUEST_ROLES = ["supervisor", "admin"];
const KINDS = ["access", "erasure"];
const CHANNELS = ["in_person", "paper_form", "phone", "email", "post", "online"];

// The erasures carried out in this session (request id → the API's answer), drawn under their
// request each time the file is drawn again; forgotten at sign-out.
const outcomes = new Map();
document.addEventListener("desk:cleared", () => outcomes.clear());

/** Today at the desk `deskId` (its time zone), "YYYY-MM-DD". */
export function deskToday(deskId) {
  const desk = deskOf(deskId);
  const options = { year: "numeric", month: "2-digit", day: "2-digit", ...(desk ? { timeZone: desk.time_zone } : {}) };
  return new Intl.DateTimeFormat("en-CA", options).format(new Date());
}

const daysFrom = (a, b) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);

/** What a request is and where it stands, as parts of a line: its kind, when it came and how,
 * its due date, and answered / pending / overdue (by how many days, at the desk's today). */
export function requestParts(request, deskId) {
  const late = daysFrom(request.due_on, deskToday(deskId));
  const channel = t(`sr_ch_${request.channel}`);
  const status = request.fulfilled_at ? el("span", t("sr_done", { day: dayText(request.fulfilled_at) }))
    : late > 0 ? el("strong", t("sr_overdue", { days: late }), { class: "late" }) : el("span", t("sr_open"));
  return [
    el("strong", t(`sr_kind_${request.kind}`)),
    el("span", ` · ${t("sr_received", { day: dayText(request.received_on) })} (${channel}) · ${t("sr_due", { day: dayText(request.due_on) })} · `),
    status,
  ];
}

// The refusal of an erasure by a legal hold, in a sentence naming the hold (and whether it is on
// this file or on another file of the person).
function heldSentence(hold, person) {
  const words = { reason: hold.reason, by: hold.set_by_label, since: dayText(hold.set_at), until: untilText(hold.until) };
  return t(hold.registrant_id === person.id ? "erase_held" : "erase_held_other", words);
}

function countsText(counts) {
  return Object.entries(counts).filter(([, n]) => n > 0).map(([kind, n]) => `${word("ec", kind)} ${n}`).join(", ");
}

// What the erasure answered: every file it reached (desk, how it is linked, when anonymised, its
// counts) and the counts of all of them together.
function outcomeBlock(o) {
  const block = el("div", null, { class: "erasure-outcome", id: `outcome-${o.subject_request_id}` });
  block.append(el("h4", t("outcome_title")));
  block.append(el("p", o.already_erased ? t("outcome_already_all") : t("outcome_when", { day: dayText(o.anonymised_at) })));
  block.append(el("p", t("outcome_files", { count: o.files_erased.length })));
  const files = el("ul", null, { class: "erased-files" });
  for (const f of o.files_erased) {
    const done = f.already_erased ? t("outcome_already", { day: dayText(f.anonymised_at) }) : t("outcome_file_done", { day: dayText(f.anonymised_at) });
    const counts = countsText(f.counts);
    files.append(el("li", `${deskNamed(f.desk_code)} — ${t(`link_${f.link}`)} · ${done}${counts ? ` · ${counts}` : ""}`));
  }
  block.append(files);
  const rows = Object.entries(o.counts).filter(([, n]) => n > 0);
  if (rows.length) {
    const table = el("table", null, { class: "erasure-counts" });
    const head = el("tr");
    head.append(el("th", t("outcome_kind"), { scope: "col" }), el("th", t("outcome_number"), { scope: "col" }));
    table.append(el("caption", t("outcome_counts")), head);
    for (const [kind, n] of rows) {
      const tr = el("tr");
      tr.append(el("th", word("ec", kind), { scope: "row" }), el("td", String(n)));
      table.append(tr);
    }
    block.append(table);
  }
  block.append(el("p", t("outcome_stored", { count: o.files_removed })));
  return block;
}

// The archive of an access request, fetched with the token and saved from a blob: URL (never a
// URL that works without the token); the first one answers the request.
async function download(request, box, redraw) {
  const r = await authorized(`/api/v1/privacy/subject-requests/${request.id}/archive`, { method: "POST" });
  if (!r.ok) { sayLines(box, problemLines(await bodyOf(r))); return focusOn(box); }
  const name = savedName(r, `acces-${request.registrant_id}.zip`);
  let blob;
  try {
    blob = await r.blob();
  } catch {  // the body was cut on the way
    say(box, t("archive_cut"));
    return focusOn(box);
  }
  saveBlob(blob, name);
  return redraw(t("archive_done", { name }));
}

function eraseButton(person, request, box, reopen) {
  const name = `${person.given_names} ${person.family_name}`;
  return confirmButton({
    label: t("erase"), name: `${t("erase")}${colon()}${t("sr_of_day", { day: dayText(request.received_on) })}`,
    question: t("erase_q", { name, number: person.registration_number }), yes: t("erase_yes"), no: t("erase_no"),
  }, async () => {
    const slot = `erase:${request.id}`;  // a resend after a lost answer gets the first outcome back
    try {
      const r = await api("POST", `/api/v1/privacy/subject-requests/${request.id}/erase`, { headers: { "Idempotency-Key": keyFor(slot, {}) } });
      if (r.status === 409 && r.body && r.body.legal_hold) say(box, heldSentence(r.body.legal_hold, person));
      else if (!r.ok) sayLines(box, problemLines(r.body));
      else {
        sent(slot);
        outcomes.set(request.id, r.body);
        return reopen(t("erased_msg"));
      }
    } catch (error) {
      if (error instanceof SessionExpired) return undefined;
      say(box, error instanceof Offline ? t("erase_offline") : error.message);
      // no answer: the message says to answer « Oui, anonymiser définitivement » again
      if (error instanceof Offline) { focusOn(box); return KEEP_ASKING; }
    }
    return focusOn(box);
  });
}

function requestRow(person, request, reopen, redraw) {
  const li = el("li", null, { class: "subject-request" });
  const box = messageBox();
  li.append(...requestParts(request, person.desk_id));
  if (request.kind === "access") {
    const get = el("button", t("archive_get"), { type: "button", class: "secondary", "aria-label": `${t("archive_get")}${colon()}${t("sr_of_day", { day: dayText(request.received_on) })}` });
    get.addEventListener("click", () => busy(get, () => download(request, box, redraw).catch((error) => failed(box, error))));
    li.append(" ", get);
  }
  if (request.kind === "erasure" && !request.fulfilled_at) li.append(" ", eraseButton(person, request, box, reopen));
  if (outcomes.has(request.id)) li.append(outcomeBlock(outcomes.get(request.id)));
  li.append(box);
  return li;
}

function requestForm(person, onRecorded) {
  const form = el("form", null, { id: "subject-request-form" });
  const box = messageBox("subject-request-form-msg");
  const kind = el("select", null, { id: "sr-kind", name: "kind" });
  // an anonymised file takes no new erasure request (the API: 409 registrant-erased)
  for (const k of KINDS) if (k === "access" || !person.anonymised_at) kind.append(el("option", t(`sr_kind_${k}`), { value: k }));
  const channel = el("select", null, { id: "sr-channel", name: "channel" });
  for (const c of CHANNELS) channel.append(el("option", t(`sr_ch_${c}`), { value: c }));
  const [receivedLabel, received] = field("sr-received", "received_on", t("sr_received_on"), { type: "date" });
  received.setAttribute("aria-describedby", "sr-received-hint");
  const submit = el("button", t("sr_record"), { type: "submit" });
  form.append(el("h4", t("sr_new")), el("label", t("sr_kind"), { for: "sr-kind" }), kind, receivedLabel, received,
    el("small", t("sr_received_hint"), { id: "sr-received-hint" }), el("label", t("sr_channel"), { for: "sr-channel" }), channel, box, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const body = { registrant_id: person.id, kind: kind.value, channel: channel.value };
      if (received.value) body.received_on = received.value;
      const slot = `subject-request:${person.id}`;
      try {
        const r = await api("POST", "/api/v1/privacy/subject-requests", { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
        if (!r.ok) return refuse(box, r, form);
        sent(slot);
        form.reset();
        say(box, "");
        return onRecorded(t("sr_recorded", { day: dayText(r.body.due_on) }));
      } catch (error) {
        return failed(box, error);
      }
    });
  });
  return form;
}

async function requestsPart(person, reopen) {
  const part = el("div", null, { id: "subject-requests" });
  const list = el("ul", null, { class: "list", id: "subject-request-list" });
  const box = messageBox("subject-requests-msg");
  const redraw = async (message) => {
    await draw();
    say(box, message, "ok");
    return focusOn(box);
  };
  async function draw() {  // only the latest read draws: a request recorded reads the list again
    const current = drawTurn(list);
    const found = await listAll(`/api/v1/privacy/subject-requests?registrant_id=${encodeURIComponent(person.id)}&limit=200`);
    if (!current()) return undefined;
    // a refusal, no answer: said in the list's place, never « none recorded »
    if (!found.ok) return list.replaceChildren(unreadNotice("list_unread", "li", found.r));
    const rows = found.items.map((request) => requestRow(person, request, reopen, redraw));
    return list.replaceChildren(...(rows.length ? rows : [el("li", t("sr_none"))]));
  }
  part.append(el("h3", t("sr_title")), el("p", t("sr_access_help")), el("p", t("sr_erasure_help")), box, list,
    requestForm(person, redraw));
  await draw().catch((error) => failed(box, error));
  return part;
}

/** The rights section of `person`'s file for the reader's role; `reopen(message)` draws the file again. */
export async function rightsSection(person, reopen) {
  const section = el("section", null, { id: "rights", "aria-labelledby": "rights-title" });
  section.append(el("h2", t("rights_title"), { id: "rights-title" }));
  if (person.anonymised_at) section.append(el("p", t("rights_anonymised", { day: dayText(person.anonymised_at) }), { class: "msg info" }));
  const parts = await Promise.all([
    REQUEST_ROLES.includes(state.me.role) ? requestsPart(person, reopen) : null,
    holdsPart(person),
  ]);
  section.append(...parts.filter(Boolean), correctionsPart(person), disclosuresPart(person));
  return section;
}
