// The identity fields the API takes that the registration and edit forms lacked: identity
// documents (type, number, issuing country), name in Arabic script, e-mail, nationality, and, when
// editing, the person's phones. Problems the API returns for them (`documents.0.number`…) are
// turned to the field at fault, in the interface language, by `identityProblem`.
import { el } from "./dom.js";
import { code, colon, percent, t } from "./i18n.js";
import "./i18n_desk.js";

/** The API's doubt about a phone in words, for the agent to check with the person ("" when none):
 * not a valid number (kept as typed, unverified), or a `flag` such as a number typed without its
 * country code and read as Senegalese (`likely_senegalese_without_prefix`). */
export function phoneDoubt(phone) {
  if (phone.verified === false || !phone.e164) return t("phone_unverified");
  return phone.flag ? code(phone.flag) : "";
}

/** A phone as the agent should read it: E.164 when verified, else as typed; its doubt after it. */
export function phoneText(phone) {
  if (phone.verified === false || !phone.e164) return `${phone.raw} (${phoneDoubt(phone)})`;
  return phone.flag ? `${phone.e164} — ${phoneDoubt(phone)}` : phone.e164;
}

/** "Téléphone : +221771234567 — tapé sans indicatif…" for each phone of `phones` the API flagged. */
export function phoneDoubtLines(phones) {
  return (phones || []).filter(phoneDoubt).map((ph) => `${t("phone")}${colon()}${phoneText(ph)}`);
}

const DOC_TYPES = ["passport", "cni_ecowas", "consular_card", "ma_residence_card", "birth_extract", "card_receipt",
  "laissez_passer", "student_card", "work_contract", "other"];

function input(id, name, label, attrs = {}, value = "") {
  const node = el("input", null, { id, name, autocomplete: "off", ...attrs });
  node.value = value || "";
  return [el("label", t(label), { for: id, "data-t": label }), node];
}

const SCALARS = {
  name_arabic: ["name_arabic_field", { lang: "ar", dir: "auto", "data-max": "200" }],
  email: ["email_field_input", { type: "email", "data-max": "320" }],
  nationality: ["nationality_field", { size: "4", "data-max": "2" }],
};

/** One of name_arabic, email, nationality: [label, input] for the edit form. */
export function scalarField(prefix, name, value) {
  const [label, attrs] = SCALARS[name];
  return input(`${prefix}-${name}`, name, label, attrs, value);
}

/** One identity document's inputs: names `document_type|number|country` + `suffix`. */
export function documentFields(prefix, suffix, doc = null) {
  const box = el("fieldset", null, { class: "doc-row" });
  box.append(el("legend", t("id_document"), { "data-t": "id_document" }));
  const typeId = `${prefix}-doc-type${suffix}`;
  const type = el("select", null, { id: typeId, name: `document_type${suffix}` });
  type.append(el("option", t("none_doc"), { value: "", "data-t": "none_doc" }));
  for (const d of DOC_TYPES) type.append(el("option", code(d), { value: d, "data-code": d }));
  type.value = doc ? doc.doc_type : "";
  box.append(el("label", t("id_doc_type"), { for: typeId, "data-t": "id_doc_type" }), type,
    ...input(`${prefix}-doc-number${suffix}`, `document_number${suffix}`, "id_doc_number", { "data-max": "64" }, doc && doc.number),
    ...input(`${prefix}-doc-country${suffix}`, `document_country${suffix}`, "id_doc_country", { size: "4", "data-max": "2" }, doc && doc.issuing_country));
  return box;
}

/** A document from the form's inputs with `suffix`, or null when no number was typed. */
export function documentFrom(form, suffix, base = null) {
  const value = (name) => String((form.elements.namedItem(`${name}${suffix}`) || {}).value || "").trim();
  if (!value("document_number") && !value("document_type")) return null;
  const doc = { doc_type: value("document_type"), number: value("document_number"), issuing_country: value("document_country").toUpperCase() || null };
  if (base && base.expires_on) doc.expires_on = base.expires_on;
  return doc;
}

/** The extra registration fields put in the body (only what was typed). */
export function addIdentity(form, body) {
  for (const name of ["name_arabic", "email", "nationality"]) {
    const v = String(form.elements.namedItem(name).value).trim();
    if (v) body[name] = name === "nationality" ? v.toUpperCase() : v;
  }
  const doc = documentFrom(form, "");
  if (doc) body.documents = [doc];
  return body;
}

/** The registration form's extra inputs, each in its group: the name in Arabic after the family
 * name, the nationality and identity document after the place of birth, the e-mail after the phone. */
export function addRegistrationFields(form) {
  if (form.elements.namedItem("name_arabic")) return;
  form.elements.namedItem("family_name").after(...scalarField("reg", "name_arabic"));
  form.elements.namedItem("place_of_birth").after(...scalarField("reg", "nationality"), documentFields("reg", ""));
  form.elements.namedItem("whatsapp").closest("label").after(...scalarField("reg", "email"));
}

// `documents.0.number` → the input `document_number` (+ "-0" in the edit form, which lists several).
const DOC_PARTS = { doc_type: "document_type", number: "document_number", issuing_country: "document_country" };

/** The problem with its `errors[].loc` pointing at this form's input names. */
export function identityProblem(problem, { indexed = false } = {}) {
  if (!problem || !Array.isArray(problem.errors)) return problem;
  const errors = problem.errors.map((e) => {
    const loc = (e.loc || []).filter((x) => x !== "body");
    if (loc[0] === "documents") {
      const name = DOC_PARTS[loc[2]] || "document_number";
      return { ...e, loc: [indexed ? `${name}-${loc[1] || 0}` : name] };
    }
    if (loc[0] === "phones" && indexed) return { ...e, loc: [`phone-${loc[1] || 0}`] };
    return e;
  });
  return { ...problem, errors };
}

/** The phone rows of the edit form: each number with its WhatsApp box, and one empty row to add. */
export function phoneFields(prefix, phones) {
  const box = el("fieldset", null, { id: `${prefix}-phones` });
  box.append(el("legend", t("phones")));
  const rows = [...phones, null];
  rows.forEach((ph, i) => {
    const id = `${prefix}-phone-${i}`;
    const field = el("input", null, { id, name: `phone-${i}`, type: "tel", autocomplete: "off", "data-max": "64" });
    field.value = ph ? (ph.raw || ph.e164 || "") : "";
    const wa = el("label", null, { class: "inline" });
    const check = el("input", null, { type: "checkbox", name: `whatsapp-${i}` });
    check.checked = Boolean(ph && ph.whatsapp);
    wa.append(check, el("span", ` ${t("phone_whatsapp")}`));
    box.append(el("label", ph ? `${t("phone")} ${i + 1}` : t("new_phone"), { for: id }), field);
    // the API's doubt about the number as saved, under it and read with the field
    if (ph && phoneDoubt(ph)) {
      box.append(el("small", `${ph.e164 && ph.flag ? `${ph.e164} — ` : ""}${phoneDoubt(ph)}`, { id: `${id}-doubt`, class: "phone-doubt" }));
      field.setAttribute("aria-describedby", `${id}-doubt`);
    }
    box.append(wa);
  });
  return box;
}

/** The phones as typed in the edit form (empty rows left out), labels kept from `base`. */
export function phonesFrom(form, base) {
  const out = [];
  for (let i = 0; form.elements.namedItem(`phone-${i}`); i += 1) {
    const number = String(form.elements.namedItem(`phone-${i}`).value).trim();
    if (!number) continue;
    const phone = { number, whatsapp: form.elements.namedItem(`whatsapp-${i}`).checked };
    if (base[i] && base[i].label) phone.label = base[i].label;
    out.push(phone);
  }
  return out;
}

/** The phones of a record as the edit form would send them unchanged. */
export function phonesOf(record) {
  return (record.phones || []).map((ph) => ({ number: ph.raw || ph.e164 || "", whatsapp: Boolean(ph.whatsapp), ...(ph.label ? { label: ph.label } : {}) }));
}

/** The documents of the edit form: one block per document of the record and an empty one to add. */
export function documentsFields(prefix, documents) {
  const box = el("div", null, { id: `${prefix}-documents` });
  [...documents, null].forEach((d, i) => box.append(documentFields(prefix, `-${i}`, d)));
  return box;
}

export function documentsFrom(form, base) {
  const out = [];
  for (let i = 0; form.elements.namedItem(`document_number-${i}`); i += 1) {
    const doc = documentFrom(form, `-${i}`, base[i]);
    if (doc) out.push(doc);
  }
  return out;
}

export function documentsOf(record) {
  return (record.documents || []).map((d) => ({ doc_type: d.doc_type, number: d.number, issuing_country: d.issuing_country || null, ...(d.expires_on ? { expires_on: d.expires_on } : {}) }));
}

/** A duplicate candidate's likeness in words: "ressemblance possible (42 %) — même téléphone"; a
 * probability under 1 % (a shared phone, names and birth dates unlike) reads "très faible", never "0 %". */
export function likenessText(c) {
  const pct = percent(c.score);
  const reasons = (c.reasons || []).map(code).join(", ");
  return `${t("score")} ${code(c.strength)} (${pct >= 1 ? `${pct} %` : t("score_very_low")}) — ${reasons}`;
}
