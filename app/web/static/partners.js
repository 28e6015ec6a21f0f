// Partners (supervisors and administrators): the list of partner organisations cases are referred
// to; administrators add and edit them (the API lets only them write: POST/PATCH /api/v1/partners),
// supervisors read the list. An edit is sent with the If-Match of the partner as read when its form
// opened: a change made meanwhile (412) is read again and said field by field, what was typed kept
// in the form, nothing written over it. An addition is sent with an Idempotency-Key.
import { api, keyFor, problemLines, readPart, SessionExpired, sent } from "./api.js";
import { $, $$, busy, cancelButton, el, focusOn, say, sayLines, unreadNotice } from "./dom.js";
import { code, i18n, t } from "./i18n.js";
import { state } from "./state.js";
import { onTab } from "./tabs.js";
import { loadServiceTypes, serviceLabel } from "./case.js";
import "./i18n_desk.js";
import { carrySnapshot } from "./unsaved.js";

const KINDS = ["consulate", "international_organisation", "ngo", "national_agency", "local_authority", "other"];
// Their lengths are the API's to check: a length limit in the browser would cut a pasted value silently.
const TEXTS = [["name", "partner_name"], ["country", "partner_country"], ["city", "partner_city"],
  ["contact_name", "contact_name"], ["contact_email", "contact_email"], ["contact_phone", "contact_phone"]];

function admin() { return state.me && state.me.role === "admin"; }

const COMPARED = ["name", "kind", "country", "city", "contact_name", "contact_email", "contact_phone", "notes", "service_types", "is_active"];

// What another administrator changed between `before` and `now` (the partner as read), in lines.
function changedLines(before, now) {
  const words = (name, v) => {
    if (name === "kind") return code(v);
    if (name === "service_types") return v.map(serviceLabel).join(", ") || t("empty");
    if (name === "is_active") return t(v ? "partner_is_active" : "inactive");
    return v || t("empty");
  };
  const label = { is_active: "partner_active", service_types: "partner_services", notes: "partner_notes" };
  const named = Object.fromEntries(TEXTS);
  return COMPARED.filter((name) => JSON.stringify(before[name]) !== JSON.stringify(now[name])).map((name) => t("conflict_field", {
    field: t(label[name] || named[name] || `partner_${name}`), old: words(name, before[name]), new: words(name, now[name]),
  }));
}

// The add/edit form. `read`: the partner being edited as read ({body, etag}; null: a new one);
// The API's limits of a partner's texts (`data-max`: refused in the page, said with the limit).
const LIMITS = { name: "200", city: "120", contact_name: "200" };

// `typed`: what the administrator had typed when a 412 made it read again; `opener`: the row's
// button that opened an edit (the edit is cancelled by "Annuler", which shows it again).
async function partnerForm(read, box, typed = null, opener = null) {
  const p = read ? { ...read.body, ...(typed || {}) } : null;
  const n = p ? p.id : "new";
  const form = el("form", null, { class: "partner-form", id: `partner-form-${n}` });
  const field = (name, label) => {
    const id = `partner-${name}-${n}`;
    const input = el("input", null, { id, name, autocomplete: "off" });
    if (name === "name" || name === "country") input.required = true;
    if (name === "contact_email") input.type = "email";
    if (name === "contact_phone") input.type = "tel";
    if (LIMITS[name]) input.dataset.max = LIMITS[name];
    input.value = p && p[name] ? p[name] : "";
    return [el("label", t(label), { for: id, "data-t": label }), input];
  };
  const [nameLabel, nameInput] = field("name", "partner_name");
  const kindId = `partner-kind-${n}`;
  const kind = el("select", null, { id: kindId, name: "kind" });
  for (const k of KINDS) kind.append(el("option", code(k), { value: k, "data-code": k }));
  kind.value = p ? p.kind : "ngo";
  form.append(nameLabel, nameInput, el("label", t("partner_kind"), { for: kindId, "data-t": "partner_kind" }), kind);
  for (const [name, label] of TEXTS.slice(1)) form.append(...field(name, label));
  const notesId = `partner-notes-${n}`;
  const notes = el("textarea", null, { id: notesId, name: "notes", rows: "2", "data-max": "2000" });
  notes.value = p && p.notes ? p.notes : "";
  form.append(el("label", t("partner_notes"), { for: notesId, "data-t": "partner_notes" }), notes);
  const services = el("fieldset");
  services.append(el("legend", t("partner_services"), { "data-t": "partner_services" }));
  for (const s of await loadServiceTypes()) {
    const label = el("label", null, { class: "inline" });
    const box2 = el("input", null, { type: "checkbox", name: "service_types", value: s.code });
    box2.checked = Boolean(p && p.service_types.includes(s.code));
    label.append(box2, " ", el("span", i18n.lang === "fr" ? s.label_fr : s.label_en, { "data-fr": s.label_fr, "data-en": s.label_en }));
    services.append(label);
  }
  form.append(services);
  if (p) {
    const label = el("label", null, { class: "inline" });
    const active = el("input", null, { type: "checkbox", name: "is_active" });
    active.checked = p.is_active;
    label.append(active, " ", el("span", t("partner_active"), { "data-t": "partner_active" }));
    form.append(label);
  }
  const submit = el("button", t("partner_save"), { type: "submit", "data-t": "partner_save" });
  form.append(submit);
  if (opener) form.append(" ", cancelButton(opener));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const data = new FormData(form);
      const body = { kind: data.get("kind"), service_types: data.getAll("service_types") };
      for (const [name] of TEXTS) body[name] = String(data.get(name) || "").trim() || null;
      body.notes = String(data.get("notes") || "").trim() || null;
      if (p) body.is_active = data.get("is_active") === "on";
      try {
        let r;
        if (read) {
          r = await api("PATCH", `/api/v1/partners/${p.id}`, { json: body, headers: { "If-Match": read.etag } });
          if (r.status === 412) return conflict(read, form, box, body, opener);
        } else {
          r = await api("POST", "/api/v1/partners", { json: body, headers: { "Idempotency-Key": keyFor("partner", body) } });
          if (r.ok) sent("partner");
        }
        if (!r.ok) { sayLines(box, problemLines(r.body, form)); return focusOn(box); }
        return loadPartners(t("partner_saved"));
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(box, error.message);
        return undefined;
      }
    });
  });
  return form;
}

// Another administrator saved the partner first: it is read again, what they changed said line by
// line, and the form drawn again on the current version with what this administrator typed.
async function conflict(read, form, box, typed, opener) {
  const again = await api("GET", `/api/v1/partners/${read.body.id}`);
  if (!again.ok) { sayLines(box, problemLines(again.body)); return focusOn(box); }
  const fresh = await partnerForm(again, box, typed, opener);
  form.replaceWith(fresh);
  carrySnapshot(form, fresh);  // what was typed is still not saved
  const note = el("div", null, { class: "msg", role: "alert" });
  sayLines(note, [t("partner_changed"), ...changedLines(read.body, again.body)], "warning");
  fresh.prepend(note);
  return focusOn(note);
}

// A partner's line in the list, after its name: kind, place, whether inactive, services handled.
function partnerLine(p) {
  const where = [p.city, p.country].filter(Boolean).join(", ");
  const services = p.service_types.length ? ` · ${p.service_types.map(serviceLabel).join(", ")}` : "";
  return ` · ${code(p.kind)} · ${where}${p.is_active ? "" : ` · ${t("inactive")}`}${services}`;
}

// After a change of language, as on the registration form: the screen is not drawn again (what is
// typed in its forms, their refusal and the fields marked stay: translatePage relabels the words
// marked `data-t`/`data-code`, sayAgain says the refusal again); the list's lines and the services'
// names are put in the new language here. A screen whose list could not be read is read again.
function relabel() {
  const view = $("#partners");
  if (!$("#partner-list", view)) { if (view.children.length) loadPartners(); return; }
  for (const li of $$("#partner-list > li", view)) {
    if (!li.partner) continue;
    li.querySelector(".partner-line").textContent = partnerLine(li.partner);
    const edit = li.querySelector(":scope > button");
    if (edit) edit.setAttribute("aria-label", `${t("partner_edit")} ${li.partner.name}`);
  }
  for (const span of $$("span[data-fr]", view)) span.textContent = span.dataset[i18n.lang === "fr" ? "fr" : "en"];
}

export async function loadPartners(done = "") {
  const view = $("#partners");
  const [r] = await Promise.all([readPart("/api/v1/partners?limit=100"), loadServiceTypes()]);
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const parts = [el("p", t("partners_intro"), { "data-t": "partners_intro" }), box];
  // not loaded (a refusal, no answer): said in the list's place
  if (!r.ok) return view.replaceChildren(...parts, unreadNotice());
  const list = el("ul", null, { class: "list", id: "partner-list" });
  for (const p of r.body.items) {
    const li = el("li");
    li.partner = p;
    li.append(el("strong", p.name), el("span", partnerLine(p), { class: "partner-line" }));
    if (admin()) {
      const edit = el("button", t("partner_edit"), { type: "button", class: "secondary", "data-t": "partner_edit", "aria-label": `${t("partner_edit")} ${p.name}` });
      edit.addEventListener("click", () => busy(edit, async () => {
        const read = await api("GET", `/api/v1/partners/${p.id}`);
        if (!read.ok) { sayLines(box, problemLines(read.body)); return focusOn(box); }
        const form = await partnerForm(read, box, null, edit);
        edit.hidden = true;
        li.append(form);
        return focusOn(form.elements.namedItem("name"));
      }));
      li.append(" ", edit);
    }
    list.append(li);
  }
  if (!r.body.items.length) list.append(el("li", t("no_partner"), { "data-t": "no_partner" }));
  parts.push(list);
  if (admin()) {
    const section = el("section");
    section.append(el("h2", t("partner_add"), { "data-t": "partner_add" }), await partnerForm(null, box));
    parts.push(section);
  } else {
    parts.push(el("p", t("partners_admin_only"), { "data-t": "partners_admin_only" }));
  }
  view.replaceChildren(...parts);
  if (done) { say(box, done, "ok"); focusOn(box); }
  return undefined;
}

function label() {
  const button = $("[data-tab=partners]");
  if (button) button.textContent = t("tab_partners");
  const title = $("#tab-partners h1");
  if (title) title.textContent = t("tab_partners");
}

export function initPartners() {
  label();
  onTab("partners", () => { loadPartners().catch((e) => { if (!(e instanceof SessionExpired)) say($("#partners-msg"), e.message); }); });
  document.addEventListener("desk:language", () => {
    label();
    if (!$("#tab-partners").hidden) relabel();
  });
}
