// Register a person with the duplicate check. Candidates appear under the form; each can be compared
// side by side; "same person" opens their file. A registration that could not be sent is kept and
// resent with the same Idempotency-Key (nothing duplicated, nothing lost).
import { api, clearInvalid, keyFor, problemLines, sent, SessionExpired } from "./api.js";
import { $, busy, el, focusOn, say, sayLines } from "./dom.js";
import { birthDate, code, colon, t } from "./i18n.js";
import { openPerson } from "./person.js";
import { areaName, fillRegions, loadAreas } from "./areas.js";
import { state } from "./state.js";
import { onTab } from "./tabs.js";
import { abandon } from "./unsaved.js";
import { addIdentity, addRegistrationFields, identityProblem, likenessText, phoneDoubtLines, phoneText } from "./identity_fields.js";
import { addLife, fillLifeLists, initLifeFields } from "./life_fields.js";

function registrationBody(form) {
  const data = new FormData(form);
  const body = {
    desk_code: data.get("desk_code"), given_names: data.get("given_names"), family_name: data.get("family_name"),
    sex: data.get("sex"),
    consents: [{ purpose: "service_delivery", granted: true, channel: "in_person", notice_version: "2026-01", language: data.get("notice_language") }],
  };
  for (const key of ["date_of_birth", "origin_region", "host_city", "status_category"]) if (String(data.get(key)).trim()) body[key] = data.get(key);
  if (String(data.get("phone")).trim()) body.phones = [{ number: data.get("phone"), whatsapp: data.get("whatsapp") === "on" }];
  addIdentity(form, body); // documents, name in Arabic, e-mail, nationality
  addLife(form, body); // place of birth, département, region of residence, arrival, status, occupation, languages, remarks
  return body;
}

const COMPARED = ["registration_number", "given_names", "family_name", "name_arabic", "sex", "date_of_birth", "phones", "documents",
  "email", "nationality", "origin_region", "host_city"];

function documentsText(docs) {
  return (docs || []).map((d) => `${code(d.doc_type)} ${d.number}${d.issuing_country ? ` (${d.issuing_country})` : ""}`).join(", ");
}

function enteredValue(body, name) {
  if (name === "phones") return (body.phones || []).map((p) => p.number).join(", ");
  if (name === "sex") return code(body.sex);
  if (name === "origin_region") return areaName(body.origin_region);
  if (name === "date_of_birth") return birthDate(body.date_of_birth);
  if (name === "documents") return documentsText(body.documents);
  return body[name] || "";
}

function fileValue(p, name) {
  if (name === "origin_region") return areaName(p.origin_region_code);
  if (name === "date_of_birth") return birthDate(p.date_of_birth);
  if (name === "phones") return p.phones.map(phoneText).join(", ");
  if (name === "sex") return code(p.sex);
  if (name === "documents") return documentsText(p.documents);
  return p[name] || "";
}

async function compare(candidate, body) {
  const r = await api("GET", `/api/v1/registrants/${candidate.id}`);
  if (r.ok) await loadAreas(r.body.origin_region_code);
  const box = $("#compare");
  if (!r.ok) return say($("#register-msg"), r.body.detail || r.body.title);
  const table = el("table");
  table.append(el("caption", `${t("compare")}${colon()}${candidate.given_names} ${candidate.family_name}`));
  const head = el("tr");
  head.append(el("td"), el("th", t("entered"), { scope: "col" }), el("th", t("on_file"), { scope: "col" }));
  table.append(head);
  for (const name of COMPARED) {
    const row = el("tr");
    row.append(el("th", t(name === "email" ? "email_field" : name), { scope: "row" }), el("td", enteredValue(body, name) || t("empty")), el("td", fileValue(r.body, name) || t("empty")));
    table.append(row);
  }
  const same = el("button", t("same_person"), { type: "button" });
  // the agent's own choice: what was typed is dropped for the file on record, without a question
  same.addEventListener("click", () => { clearRegistration(); abandon($("#register-form")); openPerson(candidate.id); });
  box.replaceChildren(table, same);
  return focusOn(table);
}

function showCandidates(candidates, body) {
  $("#duplicates").hidden = false;
  $("#compare").replaceChildren();
  $("#candidates").replaceChildren(...candidates.map((c) => {
    const li = el("li");
    li.append(el("strong", `${c.given_names} ${c.family_name}`), el("span", ` ${c.registration_number} `, { class: "mono" }),
      el("span", likenessText(c)));
    // "through a merged file" ends the reasons: the values compared were that file's, named here
    if (c.through) li.append(el("span", ` ${c.through}`, { class: "mono" }));
    // named with its candidate: several candidates gave several buttons a screen reader only called "Comparer"
    const name = `${c.given_names} ${c.family_name}`;
    const button = el("button", t("compare"), {
      type: "button", class: "secondary", "aria-label": t("compare_name", { name, number: c.registration_number }),
    });
    button.addEventListener("click", () => busy(button, () => compare(c, body).catch(() => {})));
    li.append(button);
    return li;
  }));
  focusOn($("#dups-title"));
}

function clearDuplicates() {
  $("#duplicates").hidden = true;
  $("#candidates").replaceChildren();
  $("#compare").replaceChildren();
}

function clearRegistration() {
  sent("registration");
  $("#register-form").reset();
  clearInvalid($("#register-form"));  // an earlier refusal's marks do not stay on the emptied fields
  clearDuplicates();
}

async function register(button, confirm) {
  const form = $("#register-form");
  const box = $("#register-msg");
  if (!state.desks.length) return say(box, t("no_desk"), "warning");
  const body = registrationBody(form);
  const key = keyFor("registration", body);
  try {
    const path = `/api/v1/registrants${confirm ? "?confirm_duplicates=true" : ""}`;
    const r = await api("POST", path, { json: body, headers: { "Idempotency-Key": key } });
    if (r.status === 409 && r.body.candidates) {
      say(box, "");
      clearInvalid(form);  // the fields were accepted: only the candidates remain to check
      return showCandidates(r.body.candidates, body);
    }
    if (!r.ok) {
      sayLines(box, problemLines(identityProblem(r.body), form));
      return undefined;
    }
    clearRegistration();
    const done = el("a", `${t("registered")} ${r.body.registration_number}`, { href: "#", id: "registered-link" });
    done.addEventListener("click", (event) => { event.preventDefault(); openPerson(r.body.id); });
    // A phone the API doubts (typed without +221, not a valid number) is said with the confirmation.
    const doubts = phoneDoubtLines(r.body.phones);
    say(box, "", doubts.length ? "warning" : "ok");
    box.append(done);
    if (doubts.length) {
      const ul = el("ul");
      for (const line of doubts) ul.append(el("li", line));
      box.append(ul);
    }
    box.hidden = false;
    return focusOn(done);
  } catch (error) {
    if (!(error instanceof SessionExpired)) say(box, error.message);
    return focusOn(box);
  }
}

export function initRegister() {
  addRegistrationFields($("#register-form"));
  // The regions of origin the API accepts, by name (fetched once the agent is signed in).
  onTab("register", () => {
    if ($("#reg-origin").options.length < 2) fillRegions($("#reg-origin"));
    fillLifeLists($("#register-form"));  // départements, the desk's regions of residence
  });
  if (!$("#tab-register").hidden) fillRegions($("#reg-origin"));
  initLifeFields($("#register-form"));
  $("#register-form").removeAttribute("data-wait");
  $("#register-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#register-form button[type=submit]"), () => register(null, false));
  });
  // The candidates (and "register anyway") were for what was typed then: a changed field makes them stale.
  // ("input" fires for typing and for a new choice in a list, never merely when a field loses focus).
  $("#register-form").addEventListener("input", () => { if (!$("#duplicates").hidden) clearDuplicates(); });
  $("#confirm-new").addEventListener("click", () => busy($("#confirm-new"), () => register(null, true)));
}
