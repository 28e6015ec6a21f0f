// What the merge screens share: a field and its values in words, who did what and when, and the
// API's refusals of a merge, an approval or an unmerge said in a sentence (docs/identity-resolution.md).
import { problemLines } from "./api.js";
import { el } from "./dom.js";
import { birthDate, code, CODES, dayText, i18n, t } from "./i18n.js";
import { deskTime, staffRead } from "./state.js";
import { areaName } from "./areas.js";
import "./i18n_merge.js";
import "./i18n_more.js"; // name_unavailable

/** The roles that may merge, propose, and read merges (the API's WriterActor). */
export const MERGING_ROLES = ["agent", "supervisor", "admin"];
/** The roles that approve, reject and (at a desk requiring approval) undo a merge. */
export const DECIDING_ROLES = ["supervisor", "admin"];

/** A mergeable field's name in words (`mf_<field>`). */
export const fieldText = (field) => t(`mf_${field}`);

/** A value of a mergeable field (as the API gives it: codes, ISO dates, lists) in words. */
export function valueText(field, value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return t("empty");
  if (Array.isArray(value)) return value.map((v) => (CODES[i18n.lang][`lang_${v}`] ? code(`lang_${v}`) : v)).join(", ");
  if (field === "sex" || field === "status_category") return code(value);
  if (field === "date_of_birth") return birthDate(value);
  if (field === "arrival_date") return dayText(value);
  if (field === "origin_region_code") return areaName(value);
  return String(value);
}

/** "le 5 mars 2026 à 10:30 (desk time)" of a merge step. */
export const when = (iso, deskId) => (iso ? deskTime(iso, deskId, i18n.lang) : t("empty"));

/** The name of staff member `userId` of desk `deskId` (its staff list), else "a member of the desk"
 * (no longer on its staff); the staff not loaded (a refusal, no answer): « nom indisponible ». */
export async function staffName(deskId, userId) {
  const staff = await staffRead(deskId);
  if (!staff) return t("name_unavailable");
  const found = staff.find((s) => s.id === userId);
  return found ? found.full_name : t("someone");
}

/** The moves of a preview ({kind: count}) as "dossiers de demande (2), rendez-vous (1)" (counts above 0). */
export function movesText(moves) {
  return Object.entries(moves || {}).filter(([, n]) => n > 0).map(([kind, n]) => `${t(`mv_${kind}`)} (${n})`).join(", ");
}

/** A preview's `over_limit` (or a refusal's `exceeded`) as sentences. */
export function overLimitLines(lists) {
  return (lists || []).map((x) => t("merge_over_limit", { count: x.count, what: t(`mv_${x.field === "documents" ? "identity_documents" : x.field}`), limit: x.limit }));
}

/** An unmerge refusal's `reasons` in words, one line each. */
export function unmergeReasons(reasons) {
  return (reasons || []).map((r) => t(`um_${r.code}`, {
    field: r.field ? fieldText(r.field) : "", count: (r.ids || []).length, kind: r.kind ? t(`mv_${r.kind}`) : "",
  }));
}

const TYPE = (problem) => String((problem && problem.type) || "").replace(/^\/problems\//, "");

/** A refusal of the merge API (`r` from api()) as sentences; `numbers` ({survivor, merged}) names
 * the files of a `registrant-erased` problem, `form` gets the fields of a validation problem marked. */
export function refusalLines(r, { numbers = {}, form = null } = {}) {
  const problem = r.body || {};
  const type = TYPE(problem);
  if (r.status === 404) return [t("merge_refused_missing")];
  if (type === "registrant-merged") return [t("merge_refused_merged")];
  if (type === "registrant-erased") return [t("merge_refused_erased", { number: numbers[problem.file] || "" }).replace("  ", " ")];
  if (type === "merge-pending") return [t("merge_refused_pending")];
  if (type === "merge-same-registrant") return [t("merge_refused_same")];
  if (type === "merge-too-many-values") return overLimitLines(problem.exceeded);
  if (type === "merge-not-proposed") return [t("merge_refused_decided", { status: t(`ms_${problem.status_now}`) })];
  if (type === "merge-not-in-force") return [t("merge_refused_not_in_force")];
  if (type === "merge-approval-required") return [t("merge_refused_supervisor")];
  if (type === "unmerge-refused") return [t("unmerge_refused"), ...unmergeReasons(problem.reasons)];
  return problemLines(problem, form);
}

/** A button that opens `survivor_id` of a `registrant-merged` refusal (null for any other). */
export function survivorButton(r, open) {
  if (!r.body || TYPE(r.body) !== "registrant-merged" || !r.body.survivor_id) return null;
  const b = el("button", t("merge_open_survivor_of"), { type: "button", class: "secondary" });
  b.addEventListener("click", () => open(r.body.survivor_id));
  return b;
}
