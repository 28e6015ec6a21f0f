// A person's whole file: identity, phones, identity documents, consents, cases, appointments and
// uploaded documents. Editing lives in edit.js.
import { api, problemLines, readAsShown, readPart, SessionExpired } from "./api.js";
import { $, busy, definitionList, el, focusOn, say, sayLines, unreadNotice } from "./dom.js";
import { birthDate, code, colon, i18n, t } from "./i18n.js";
import { deskOf, deskTime, state, works } from "./state.js";
import { address, mayLeave, showTab } from "./tabs.js";
import { areaName, loadAreas, loadDepartements } from "./areas.js";
import { startEdit } from "./edit.js";
import { caseRows, openCaseForm } from "./case_open.js";
import { documentsSection } from "./documents.js";
import { receiptButton } from "./receipt.js";
import { historySection } from "./history.js";
import { bookingSection, changedWords, rescheduleForm } from "./slots.js";
import { appointmentDone, cancelButton } from "./appointment_actions.js";
import { consentsSection } from "./consent_form.js";
import { phoneText } from "./identity_fields.js";
import { lifeRows } from "./life_fields.js";
import { extraSections, showMergedFile } from "./file_extras.js";
import { putBack, typedInput } from "./carry.js";

function section(titleKey, items, empty = t("none_on_file")) {
  const s = el("section");
  s.append(el("h2", t(titleKey)));
  if (!items.length) s.append(el("p", empty));
  else {
    const ul = el("ul", null, { class: "plain" });
    for (const item of items) ul.append(el("li", item));
    s.append(ul);
  }
  return s;
}

// The Arabic spelling of the name, marked as Arabic written right to left (screen readers, layout).
function arabic(text) {
  return text ? el("span", text, { lang: "ar", dir: "rtl", class: "arabic" }) : null;
}

export function identityRows(p) {
  return [
    [t("registration_number"), p.registration_number], [t("given_names"), p.given_names],
    [t("family_name"), p.family_name], [t("name_arabic"), arabic(p.name_arabic)], [t("sex"), code(p.sex)], [t("date_of_birth"), p.date_of_birth ? birthDate(p.date_of_birth) : null],
    [t("nationality"), p.nationality], [t("origin_region"), areaName(p.origin_region_code)], [t("host_city"), p.host_city],
    [t("email_field"), p.email], [t("status_category"), p.status_category ? code(p.status_category) : null],
    [t("occupation"), p.occupation], [t("desk"), (deskOf(p.desk_id) || {}).name],
    ...lifeRows(p),
  ];
}

export function renderPerson(extra = {}) {
  const p = state.person.record;
  const box = $("#person");
  const title = el("h1", `${p.given_names} ${p.family_name}`);
  const edit = el("button", t("edit"), { type: "button", id: "edit-person" });
  edit.addEventListener("click", () => startEdit());
  const identity = el("section");
  identity.append(el("h2", t("identity")), definitionList(identityRows(p)));
  // An erased (anonymised) file is read only: said once, and nothing is offered the API refuses
  // (editing, a receipt, consents, documents, a booking, a case, moving an appointment).
  const erased = Boolean(p.anonymised_at);
  const heading = erased
    ? [el("p", t("file_erased_notice"), { class: "msg warning", id: "person-erased" })]
    : [...(works() ? [edit] : []), receiptButton(p, extra)];  // an auditor reads only: no editing
  box.replaceChildren(
    title, el("p", p.registration_number, { class: "mono" }), ...heading, identity,
    section("phones", p.phones.map((x) => `${phoneText(x)}${x.whatsapp ? ` (${t("whatsapp")})` : ""}`)),
    section("documents", p.documents.map((d) => `${code(d.doc_type)} ${d.number}${d.issuing_country ? ` (${d.issuing_country})` : ""}`), t("none_on_file_f")),
    consentsSection(p, (m) => reopen(m)),
    caseRows(listed(extra, "cases"), refusalOf(extra, "cases")),
    appointmentsSection(listed(extra, "appointments"), erased, refusalOf(extra, "appointments")),
    documentsSection(p, listed(extra, "files"), refusalOf(extra, "files")),
  );
  if (extra.booking && !erased) box.append(extra.booking);
  if (extra.openCase && !erased) box.append(extra.openCase);
  if (extra.rights) box.append(extra.rights);
  if (extra.history) box.append(extra.history);
  box.append(...(extra.extras || []));  // merges, messages (file_extras.js)
  return title;
}

const reopen = (message) => openPerson(state.person.record.id, message);

// The person's data-protection rights (requests, legal holds, disclosures): only for the roles the
// API lets read them, whose browser alone fetches the module (agents get 403 on all of it).
const RIGHTS_ROLES = ["supervisor", "admin", "auditor"];
async function rightsOf(person) {
  if (!state.me || !RIGHTS_ROLES.includes(state.me.role)) return null;
  return (await import("./rights.js")).rightsSection(person, reopen);
}

// The person's appointments; a booked one can be moved to another free slot or cancelled (an
// erased file's only cancelled: `erased`). `list` null: they could not be loaded.
function appointmentsSection(list, erased = false, refusal = null) {
  const s = el("section", null, { id: "person-appointments" });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  s.append(el("h2", t("appointments")));
  if (!list) { s.append(unreadNotice("list_unread", "p", refusal)); return s; }
  if (!list.length) s.append(el("p", t("none_on_file")));
  const ul = el("ul", null, { class: "plain" });
  for (const a of list) {
    const li = el("li");
    li.append(el("span", `${deskTime(a.starts_at, a.desk_id, i18n.lang)} · ${code(a.status)}${a.purpose ? ` · ${a.purpose}` : ""} `));
    if (a.status === "booked" && works()) {
      const when = deskTime(a.starts_at, a.desk_id, i18n.lang);
      const move = el("button", t("reschedule"), { type: "button", class: "secondary", "aria-label": `${t("reschedule")}${colon()}${when}` });
      // Moving: the slot picker with its own "stop moving" button, apart from cancelling.
      move.addEventListener("click", () => busy(move, async () => {
        try {
          const form = await rescheduleForm(a, reopen, () => { move.hidden = false; focusOn(move); });
          if (form.problem) { sayLines(box, form.problem); return focusOn(box); }
          li.append(form);
          move.hidden = true;
          return focusOn($("select", form));
        } catch (error) {
          if (!(error instanceof SessionExpired)) say(box, error.message);
          return undefined;
        }
      }));
      const cancel = cancelButton(when, async () => {
        try {
          // Sent with the ETag of the appointment as listed: one changed meanwhile is not cancelled unseen.
          const current = await readAsShown(`/api/v1/appointments/${a.id}`, a);
          const r = current.ok ? await api("POST", `/api/v1/appointments/${a.id}/transitions`, { json: { status: "cancelled" }, headers: { "If-Match": current.etag } }) : current;
          if (r.status === 412 && r.body && r.body.current) return openPerson(state.person.record.id, changedWords(r.body.current), "warning");
          if (!r.ok) { sayLines(box, problemLines(r.body)); return focusOn(box); }
          return reopen(appointmentDone("cancelled", r.body.person_notified));
        } catch (error) {
          if (!(error instanceof SessionExpired)) say(box, error.message);
          return undefined;
        }
      });
      li.append(...(erased ? [] : [move]), cancel);
    }
    ul.append(li);
  }
  s.append(ul, box);
  return s;
}

// A list of the file; null when it could not be loaded (a refusal, no answer): its section says
// so in its place (`refusals[name]`: the answer, a 403 said as the role's) and the rest of the file is drawn.
async function items(path, refusals, name) {
  const r = await readPart(path);
  if (!r.ok) { refusals[name] = r; return null; }
  return Array.isArray(r.body) ? r.body : r.body.items || [];
}

// The person's appointments read again and drawn in place (the rest of the file, and what is typed
// in its forms, kept): after a booking refused as the slot was just taken, perhaps from another tab
// on this file. Nothing drawn when another file opened meanwhile.
async function refreshAppointments(id) {
  const seq = opening.n;
  const refusals = {};
  const list = await items(`/api/v1/appointments?registrant_id=${id}&limit=100`, refusals, "appointments");
  const shown = $("#person-appointments");
  if (seq !== opening.n || !shown || !state.person || !state.person.extra) return;
  const extra = state.person.extra;
  extra.appointments = list;
  extra.refusals = { ...(extra.refusals || {}) };
  delete extra.refusals.appointments;
  Object.assign(extra.refusals, refusals);
  shown.replaceWith(appointmentsSection(list, Boolean(state.person.record.anonymised_at), refusals.appointments || null));
}

const listed = (extra, name) => (name in extra ? extra[name] : []);
const refusalOf = (extra, name) => (extra.refusals || {})[name] || null;

const opening = { n: 0 }; // only the latest opening draws the file
document.addEventListener("desk:cleared", () => { opening.n += 1; }); // signed out: a late answer draws nothing

// `carry`: the same file drawn again (in the other language) keeps what was typed in its forms
// drawn again with it (`data-carry`: a case being opened, a booking) and the refusal said about it
// (carry.js); the language switch asks first about any other (app.js).
export async function openPerson(id, done = "", tone = "ok", { carry = false } = {}) {
  if (!(await mayLeave(address("person", id)))) return undefined;  // unsaved input on the screen: the agent stays
  const seq = ++opening.n;
  const box = $("#person-msg");
  const same = carry && state.person && state.person.record.id === String(id).toLowerCase();
  say(box, "");
  try {
    const r = await api("GET", `/api/v1/registrants/${id}`);
    if (seq !== opening.n) return undefined;
    // read at the last moment, before the file goes: what was typed while it was read again is kept too
    const typed = same ? typedInput($("#person"), $("#tab-person")) : null;
    // Never show an earlier file (or this one as it was) while the new one loads.
    $("#person").replaceChildren(el("p", t("loading"), { role: "status" }));
    showTab("person", { focus: false, address: address("person", id) });
    if (!r.ok) {
      $("#person").replaceChildren();
      say(box, r.body.detail || r.body.title);
      return focusOn(box);
    }
    // A merged file's read answers (301) the file it was merged into: said, with a link to it.
    if (r.body.id !== String(id).toLowerCase()) return showMergedFile(String(id).toLowerCase(), r.body, done, () => seq === opening.n, openPerson);
    state.person = { record: r.body, etag: r.etag };
    const refusals = {};
    const [cases, appointments, files, history, booking, rights, extras] = await Promise.all([
      items(`/api/v1/registrants/${id}/cases`, refusals, "cases"),
      items(`/api/v1/appointments?registrant_id=${id}&limit=100`, refusals, "appointments"),
      items(`/api/v1/registrants/${id}/documents`, refusals, "files"), historySection(r.body), works() ? bookingSection(r.body, reopen, () => refreshAppointments(id)) : null, rightsOf(r.body),
      extraSections(r.body, openPerson),
    ]);
    const openCase = works() ? await openCaseForm(r.body) : null;  // an auditor reads only
    await Promise.all([loadAreas(r.body.origin_region_code), loadAreas(r.body.host_region_code),
      r.body.origin_departement_code ? loadDepartements() : null]);
    if (seq !== opening.n) return undefined;
    state.person.extra = { cases, appointments, files, history, booking, openCase, rights, extras, refusals };
    const title = renderPerson(state.person.extra);
    say(box, done, tone);
    // drawn again in the other language: the focus stays on the language button
    if (typed) return putBack(typed, $("#tab-person"));
    focusOn(done ? box : title);
  } catch (error) {
    if (!(error instanceof SessionExpired)) say(box, error.message);
  }
  return undefined;
}

export function initPerson() {
  $("#back").addEventListener("click", () => showTab("search"));
}
