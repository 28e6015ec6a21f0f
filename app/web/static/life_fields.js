// A person's details of origin, life in the host country, languages and remarks, in the
// registration form and the file's edit form: the lists the API gives (départements of origin, the
// desk's country's regions of residence), the residence status only for the roles the API lets
// write it (supervisors, administrators: app/registrants/prepare.py SENSITIVE), the body they send,
// and their words on the file.
import { $, el } from "./dom.js";
import { code, CODES, dayText, i18n, t } from "./i18n.js";
import "./i18n_life.js";
import { areaName, fillDepartements, fillRegions } from "./areas.js";
import { deskOf, state } from "./state.js";

/** The roles that may write (and read) the residence status. */
export const RESTRICTED_WRITERS = ["supervisor", "admin"];

// Typed or chosen once, sent as they are when not blank.
const PLAIN = ["place_of_birth", "origin_departement", "host_region", "arrival_date", "occupation", "residence_status", "notes"];

// The desk's usual languages, offered first (a person's other languages, recorded, are added to them).
const LANGUAGES = ["wo", "fr", "ff", "srr", "dyo", "mnk", "snk", "ar", "en", "es", "it"];

// Its words on the page (translated with the page when the client knows them).
function languageText(tag, node = "span") {
  const attrs = node === "option" ? { value: tag } : {};
  if (CODES.fr[`lang_${tag}`]) attrs["data-code"] = `lang_${tag}`;
  return el(node, languageName(tag), attrs);
}

/** The languages' inputs (for a fieldset named by its legend): the preferred one, then the others
 * ticked, filled from `tags` (the preferred first, as the API keeps them). */
export function languageInputs(prefix, tags = []) {
  const id = `${prefix}-language-first`;
  const first = el("select", null, { id, name: "language_first" });
  const offered = [...LANGUAGES, ...tags.filter((tag) => !LANGUAGES.includes(tag))];
  first.append(el("option", t("empty"), { value: "" }), ...offered.map((tag) => languageText(tag, "option")));
  first.value = tags[0] || "";
  const checks = el("div", null, { class: "language-checks" });
  for (const tag of offered) {
    const box = el("input", null, { type: "checkbox", name: "language", value: tag });
    box.checked = tags.slice(1).includes(tag);
    const label = el("label", null, { class: "inline" });
    label.append(box, languageText(tag));
    checks.append(label);
  }
  return [el("label", t("language_first"), { for: id, "data-t": "language_first" }), first, checks];
}

/** The languages' fieldset of an edit form (`data-api`: a refusal of `languages` is said at it). */
export function languageFieldset(prefix, tags) {
  const box = el("fieldset", null, { id: `${prefix}-languages`, "data-api": "languages" });
  box.append(el("legend", t("languages")), ...languageInputs(prefix, tags));
  return box;
}

/** The edit form's field `name` (one of this module's details) with `current`, the value of record
 * `p`: [label, field…]; null for another name. */
export function lifeField(prefix, name, current, p) {
  const id = `${prefix}-${name}`;
  const label = el("label", t(name === "arrival_date" ? "arrival_date_field" : name), { for: id });
  if (name === "origin_departement" || name === "host_region") {
    const select = el("select", null, { id, name });
    select.append(el("option", t("empty"), { value: "" }));
    if (current) select.append(el("option", areaName(current), { value: current }));
    select.value = current;
    if (name === "origin_departement") fillDepartements(select, current);
    else fillRegions(select, current, (deskOf(p.desk_id) || {}).country || current.slice(0, 2) || "SN");
    return [label, select];
  }
  if (name === "notes" || name === "residence_status") {
    const area = el("textarea", null, { id, name, rows: name === "notes" ? "3" : "2", "data-max": "2000" });
    area.value = current;
    if (name === "notes") return [label, area];
    // shown and sent only for the roles that may write it (for the others, empty and never changed)
    const box = el("div", null, { hidden: "" });
    area.disabled = !(state.me && RESTRICTED_WRITERS.includes(state.me.role));
    box.hidden = area.disabled;
    box.append(label, area);
    return [box];
  }
  if (name === "place_of_birth" || name === "arrival_date") {
    const input = el("input", null, { id, name, autocomplete: "off", ...(name === "arrival_date" ? { type: "date" } : { "data-max": "200" }) });
    input.value = current;
    return [label, input];
  }
  return null;
}

/** The languages chosen: the preferred one first, then the others ticked, each once (BCP 47 tags). */
export function languagesOf(form) {
  const data = new FormData(form);
  return [...new Set([data.get("language_first"), ...data.getAll("language")].filter(Boolean))];
}

/** The details of this module put in `body` (only what was typed or chosen; a field the role may not
 * write is disabled, so never sent). */
export function addLife(form, body) {
  const data = new FormData(form);
  for (const name of PLAIN) if (String(data.get(name) || "").trim()) body[name] = data.get(name);
  const languages = languagesOf(form);
  if (languages.length) body.languages = languages;
  return body;
}

/** A language tag in words: the client's own name for the desk's usual languages, else the browser's. */
export function languageName(tag) {
  if (CODES[i18n.lang][`lang_${tag}`]) return code(`lang_${tag}`);
  try {
    return new Intl.DisplayNames([i18n.lang], { type: "language" }).of(tag) || tag;
  } catch {
    return tag;
  }
}

/** The file's rows for these details, `[label, value]`, in the order of the registration form. */
export function lifeRows(p) {
  const rows = [
    [t("place_of_birth"), p.place_of_birth],
    [t("origin_departement"), areaName(p.origin_departement_code)],
    [t("host_region"), areaName(p.host_region_code)],
    [t("arrival_date"), p.arrival_date ? dayText(p.arrival_date) : null],
  ];
  // null for the roles that may not read it: no row rather than an empty one that seems to say "none"
  if (state.me && RESTRICTED_WRITERS.includes(state.me.role)) rows.push([t("residence_status"), p.residence_status]);
  rows.push([t("languages"), (p.languages || []).map(languageName).join(", ")], [t("notes"), p.notes]);
  return rows;
}

// The residence status is offered (data-roles shows it) and sent only where the role may write it.
function allowResidenceStatus(form) {
  const field = form.elements.namedItem("residence_status");
  field.disabled = !(state.me && RESTRICTED_WRITERS.includes(state.me.role));
}

// The regions of residence are the chosen desk's country's.
function fillHostRegions(form) {
  const desk = state.desks.find((d) => d.code === form.elements.namedItem("desk_code").value);
  if (desk) fillRegions(form.elements.namedItem("host_region"), "", desk.country);
}

/** Fills the registration form's lists (départements, regions of residence): each time its screen opens. */
export function fillLifeLists(form) {
  if ($("#reg-departement").options.length < 2) fillDepartements($("#reg-departement"));
  fillHostRegions(form);
}

/** Sets up the registration form's restricted field and the regions following the desk chosen. */
export function initLifeFields(form) {
  $("#reg-languages").append(...languageInputs("reg"));
  allowResidenceStatus(form);
  document.addEventListener("desk:ready", () => allowResidenceStatus(form));
  if (!$("#tab-register").hidden) fillLifeLists(form);
  form.elements.namedItem("desk_code").addEventListener("change", () => fillHostRegions(form));
}
