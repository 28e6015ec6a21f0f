// Edit a person with If-Match. On 412 the agent sees what changed meanwhile and re-applies their
// own changes to the current version; nothing is overwritten silently (only changed fields are sent).
// The reason of a correction, when given, goes with it: the API keeps it with each field corrected
// (the file's correction history, the person's right of rectification).
import { api, problemLines, SessionExpired } from "./api.js";
import { $, busy, el, focusOn, numberSpan, say, sayLines } from "./dom.js";
import { code, t } from "./i18n.js";
import "./i18n_desk.js";
import { state } from "./state.js";
import { areaName, fillRegions } from "./areas.js";
import { openPerson, renderPerson } from "./person.js";
import { historySection } from "./history.js";
import { mayLeave } from "./tabs.js";
import { guardForm } from "./unsaved.js";
import { mergeWith } from "./merge.js";
import { languageFieldset, languageName, languagesOf, lifeField } from "./life_fields.js";
import { documentsFields, documentsFrom, documentsOf, identityProblem, likenessText, phoneDoubtLines, phoneFields, phonesFrom, phonesOf, scalarField } from "./identity_fields.js";

const FIELDS = ["given_names", "family_name", "sex", "date_of_birth", "place_of_birth", "origin_region", "origin_departement",
  "host_region", "host_city", "arrival_date", "status_category", "residence_status", "occupation", "name_arabic", "email",
  "nationality", "notes"];
// Sent by code, read back as `…_code`.
const CODED = { origin_region: "origin_region_code", origin_departement: "origin_departement_code", host_region: "host_region_code" };
const STATUSES = ["student", "worker", "trainee", "entrepreneur", "family_member", "job_seeker", "seasonal_worker", "returnee", "retired", "other"];
const SCALARS = ["name_arabic", "email", "nationality"];
// The API's limits of the texts typed here (`data-max`: refused in the page, said with the limit);
// the date of birth has none: a long one is said « date non reconnue » (api.js).
const LIMITS = { given_names: "200", family_name: "200", host_city: "120", occupation: "200" };
// Phones, identity documents and languages: the whole list is sent when it changed (the API replaces it).
const LISTS = { phones: [phonesOf, phonesFrom], documents: [documentsOf, documentsFrom], languages: [(p) => p.languages || [], languagesOf] };

function value(record, name) {
  if (CODED[name]) return record[CODED[name]] || "";
  return record[name] === null || record[name] === undefined ? "" : String(record[name]);
}

function field(name, current) {
  const id = `edit-${name}`;
  if (SCALARS.includes(name)) return scalarField("edit", name, current);
  const life = lifeField("edit", name, current, state.person.record);
  if (life) return life;
  const label = el("label", t(name), { for: id });
  if (name === "sex") {
    const select = el("select", null, { id, name });
    for (const v of ["unknown", "female", "male"]) select.append(el("option", code(v), { value: v }));
    select.value = current;
    return [label, select];
  }
  if (name === "status_category" || name === "origin_region") {
    const select = el("select", null, { id, name });
    select.append(el("option", t("empty"), { value: "" }));
    if (name === "status_category") for (const v of STATUSES) select.append(el("option", code(v), { value: v }));
    else if (current) select.append(el("option", areaName(current), { value: current }));
    select.value = current;
    if (name === "origin_region") fillRegions(select, current);
    return [label, select];
  }
  const input = el("input", null, { id, name, autocomplete: "off", ...(LIMITS[name] ? { "data-max": LIMITS[name] } : {}) });
  input.value = current;
  if (name === "date_of_birth") {  // the formats it takes, as on the registration form
    input.setAttribute("aria-describedby", `${id}-hint`);
    input.dataset.partialDate = "";  // 15/03/1992 written 1992-03-15 (form_checks.js)
    return [label, input, el("small", t("dob_hint"), { id: `${id}-hint` })];
  }
  return [label, input];
}

function changes(form, base) {
  const body = {};
  for (const name of FIELDS) {
    const now = form.elements.namedItem(name).value.trim();
    if (now !== value(base, name)) body[name] = now === "" ? null : now;
  }
  for (const [name, [of, from]] of Object.entries(LISTS)) {
    const typed = from(form, of(base));
    if (JSON.stringify(typed) !== JSON.stringify(of(base))) body[name] = typed;
  }
  return body;
}

async function save(form, box, confirm = false) {
  const base = state.person.editBase;
  const body = changes(form, base);
  if (!Object.keys(body).length) return renderPerson(state.person.extra);
  const reason = form.elements.namedItem("reason").value.trim();
  if (reason) body.reason = reason;
  const id = state.person.record.id;
  const path = `/api/v1/registrants/${id}${confirm ? "?confirm_duplicates=true" : ""}`;
  const r = await api("PATCH", path, { json: body, headers: { "If-Match": state.person.etag } });
  if (r.status === 412) return conflict(form, box, base);
  if (r.status === 409 && r.body.candidates) return duplicates(form, box, r.body.candidates);
  if (!r.ok) return sayLines(box, problemLines(identityProblem(r.body, { indexed: true }), form));
  state.person.record = r.body;
  state.person.etag = r.etag;
  // The history gains this rectification: read again rather than shown stale until a reload.
  state.person.extra.history = await historySection(r.body).catch(() => state.person.extra.history);
  renderPerson(state.person.extra);
  // Phones changed: the API's doubts about them (typed without +221, not a valid number) are said.
  const doubts = "phones" in body ? phoneDoubtLines(r.body.phones) : [];
  const done = el("div", null, { role: "status" });
  sayLines(done, [t("saved"), ...doubts], doubts.length ? "warning" : "ok");
  $("#edit-person").after(done);
  return focusOn(done);
}

// The changed names, birth date, phones or documents now resemble other files: nothing was saved.
// The agent checks them and may save anyway (they are someone else) or cancel the edit.
function duplicates(form, box, candidates) {
  sayLines(box, [t("edit_duplicates")], "warning");
  const list = el("ul");
  for (const c of candidates) {
    const li = el("li");
    li.append(el("strong", `${c.given_names} ${c.family_name}`), " ", numberSpan(c.registration_number),
      el("span", ` ${likenessText(c)}`));
    // the same person after all: their file, where the two can be compared and merged
    const open = el("button", t("same_person"), { type: "button", class: "secondary" });
    open.addEventListener("click", () => openPerson(c.id));
    // or compared with this file and merged into one (merge.js), the edit left unsaved
    const name = `${c.given_names} ${c.family_name}`;
    const merge = el("button", t("merge_candidate"), { type: "button", class: "secondary", "aria-label": t("merge_candidate_name", { name, number: c.registration_number }) });
    merge.addEventListener("click", async () => { if (await mayLeave()) { await openPerson(state.person.record.id); await mergeWith(c.id); } });
    li.append(" ", open, " ", merge);
    list.append(li);
  }
  const again = el("button", t("save_anyway"), { type: "button" });
  again.addEventListener("click", () => busy(again, () => save(form, box, true)));
  box.append(list, again);
  return focusOn(box);
}

// Someone saved first: show their changes, keep the agent's values, and let them send again on top.
async function conflict(form, box, base) {
  const r = await api("GET", `/api/v1/registrants/${state.person.record.id}`);
  if (!r.ok) return say(box, r.body.detail || r.body.title);
  const lines = [t("conflict")];
  for (const name of FIELDS) {
    if (value(base, name) !== value(r.body, name)) {
      const show = (v) => (v && ["sex", "status_category"].includes(name) ? code(v) : CODED[name] ? areaName(v) : v) || t("empty");
      lines.push(t("conflict_field", { field: t(name), old: show(value(base, name)), new: show(value(r.body, name)) }));
    }
  }
  for (const [name, [of]] of Object.entries(LISTS)) {
    const words = (record) => of(record).map((x) => x.number || languageName(x)).join(", ") || t("empty");
    if (JSON.stringify(of(base)) !== JSON.stringify(of(r.body))) {
      lines.push(t("conflict_field", { field: t(name), old: words(base), new: words(r.body) }));
    }
  }
  sayLines(box, lines, "warning");
  state.person.record = r.body;
  state.person.etag = r.etag;
  // The agent's own changes (against what they started from) are kept in the form and re-based.
  const mine = changes(form, base);
  state.person.editBase = r.body;
  for (const name of FIELDS) if (!(name in mine)) form.elements.namedItem(name).value = value(r.body, name);
  if (!("phones" in mine)) $("#edit-phones", form).replaceWith(phoneFields("edit", r.body.phones));
  if (!("documents" in mine)) $("#edit-documents", form).replaceWith(documentsFields("edit", r.body.documents));
  if (!("languages" in mine)) $("#edit-languages", form).replaceWith(languageFieldset("edit", r.body.languages));
  const again = el("button", t("reapply"), { type: "submit", form: "edit-form" });
  box.append(again);
  return focusOn(box);
}

export function startEdit() {
  const p = state.person.record;
  state.person.editBase = p;
  const form = el("form", null, { id: "edit-form" });
  const box = el("div", null, { class: "msg", role: "alert", hidden: "" });
  for (const name of FIELDS) form.append(...field(name, value(p, name)));
  form.append(phoneFields("edit", p.phones), documentsFields("edit", p.documents), languageFieldset("edit", p.languages));
  const reason = el("input", null, { id: "edit-reason", name: "reason", autocomplete: "off", "aria-describedby": "edit-reason-hint", "data-max": "2000" });
  form.append(el("label", t("correction_reason"), { for: "edit-reason" }), reason,
    el("small", t("correction_reason_hint"), { id: "edit-reason-hint" }));
  const submit = el("button", t("save"), { type: "submit" });
  const cancel = el("button", t("cancel"), { type: "button", class: "secondary" });
  form.append(submit, cancel);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(event.submitter || submit, async () => {
      try { await save(form, box); } catch (error) { if (!(error instanceof SessionExpired)) say(box, error.message); }
    });
  });
  cancel.addEventListener("click", () => renderPerson(state.person.extra));
  // Changes typed and not saved are not lost by leaving the screen without a word: the edit is
  // compared with the version it edits (re-based after a 412), not with the form as first shown.
  guardForm(form, () => Object.keys(changes(form, state.person.editBase)).length > 0);
  const heading = el("h2", `${t("edit")} — ${p.given_names} ${p.family_name}`, { id: "edit-title" });
  $("#person").replaceChildren(heading, box, form);
  focusOn(form.elements.namedItem("given_names"));
}
