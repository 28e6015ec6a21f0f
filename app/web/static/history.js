// A person file's history from the audit trail (GET /registrants/{id}/history): who changed what,
// when (desk time), from which value to which, in the interface language.
import { readPart } from "./api.js";
import { el, unreadNotice } from "./dom.js";
import { code, colon, i18n, LABELS, t } from "./i18n.js";
import { deskTime } from "./state.js";
import "./i18n_day.js";
import { areaName, loadAreas } from "./areas.js";
import { actorText } from "./actors.js";

// Audit field names → the labels of the file's screen (same words as the identity list).
const FIELD_KEYS = {
  origin_region_code: "origin_region", email: "email_field", phones: "phones", documents: "documents",
};
const CODED = new Set(["sex", "status_category"]);

/** An audit or correction field name in the words of the file's screen. */
export function fieldName(field) {
  const key = FIELD_KEYS[field] || field;
  return LABELS[i18n.lang][key] ? t(key) : field.replaceAll("_", " ");
}

// One item of a list: a phone or document object, or the trail's "passport:A1234567" → "passeport A1234567".
function itemText(field, v) {
  if (v && typeof v === "object") return v.doc_type ? `${code(v.doc_type)} ${v.number || ""}`.trim() : v.e164 || v.raw || v.number || "";
  const doc = field === "documents" ? /^([a-z_]+):(.*)$/.exec(String(v)) : null;
  return doc ? `${code(doc[1])} ${doc[2]}` : String(v);
}

/** A field's value in words ("—" for none; a phone or document list as numbers, codes in words). */
export function valueText(field, value) {
  if (value === null || value === undefined || value === "") return t("empty");
  if (Array.isArray(value)) return value.map((v) => itemText(field, v)).filter(Boolean).join(", ") || t("empty");
  if (typeof value === "object") return t("empty");
  if (field === "origin_region_code") return areaName(String(value)); // "Dakar", not "SN-DK"
  return CODED.has(field) ? code(value) : String(value);
}

/** One write of the file's history in words: "<when> — <who> (<role>) <what>"; an action this
 * client has no words for is said as an action not detailed. */
export function entryText(e, deskId) {
  const key = {
    "registrant.create": "h_create", "registrant.update": "h_update", "registrant.consent_add": "h_consent_add",
    "registrant.consent_withdraw": "h_consent_withdraw", "registrant.transfer_copy": "h_transfer_copy",
    "privacy.disclosure": "h_disclosure", "privacy.subject_access": "h_subject_access",
    "privacy.subject_request": "h_subject_request",
    "registrant.merge": "h_merge", "registrant.merged": "h_merged", "registrant.unmerge": "h_unmerge",
    "notification.preference_update": "h_preference_update", "privacy.erasure": "h_erasure",
    "privacy.legal_hold_set": "h_legal_hold_set", "privacy.legal_hold_release": "h_legal_hold_release",
    "self_service.link_code_issue": "h_link_code_issue", "self_service.link": "h_link", "self_service.unlink": "h_unlink",
    "registrant.import_link": "h_import_link",
  }[e.action] || "h_other";
  const what = t(key, { purpose: code(e.purpose), granted: e.granted ? t("granted") : t("refused") });
  return `${deskTime(e.occurred_at, deskId, i18n.lang)} — ${actorText(e)} ${what}`;
}

export async function historySection(person) {
  const s = el("section", null, { id: "history" });
  s.append(el("h2", t("history")));
  const r = await readPart(`/api/v1/registrants/${person.id}/history`);
  // not loaded (a refusal, no answer): said in its place, the rest of the file drawn
  if (!r.ok) { s.append(unreadNotice("history_unread", "p", r)); return s; }
  await loadAreas(person.origin_region_code);
  const ol = el("ol", null, { class: "events" });
  for (const e of r.body) {
    const li = el("li", entryText(e, person.desk_id));
    // A creation lists every field typed; only rectifications are worth reading field by field.
    if (e.changes.length && !e.action.endsWith(".create")) {
      const ul = el("ul");
      for (const c of e.changes) {
        ul.append(el("li", `${fieldName(c.field)}${colon()}${t("changed_to", { old: valueText(c.field, c.before), new: valueText(c.field, c.after) })}`));
      }
      li.append(ul);
    }
    if (e.reason) li.append(el("p", `${t("h_reason")}${colon()}${e.reason}`));
    ol.append(li);
  }
  s.append(ol);
  return s;
}
