// A merged file opened (its address, a link kept from before the merge): the API answers its read
// with 301 to the file it was merged into, which fetch follows. The screen says so — which file,
// when — with a link to that file, and offers to undo the merge where the API allows it (anyone
// who merges; at a desk requiring approval, supervisors and administrators), asked first, with
// the reason kept in the log; a refusal (`unmerge-refused`) lists its reasons in words.
import { api, keyFor, sent, SessionExpired } from "./api.js";
import { $, confirmButton, el, focusOn, say, sayLines } from "./dom.js";
import { t } from "./i18n.js";
import { deskOf, state } from "./state.js";
import { DECIDING_ROLES, MERGING_ROLES, refusalLines, when } from "./merge_common.js";

function mayUnmerge(m) {
  if (DECIDING_ROLES.includes(state.me.role)) return true;
  return state.me.role === "agent" && !(deskOf(m.desk_id) || {}).merge_requires_approval;
}

function unmergeForm(m, open) {
  const form = el("div", null, { id: "unmerge", class: "unmerge" });
  const box = el("div", null, { class: "msg", role: "alert", hidden: "" });
  const note = el("textarea", null, { id: "unmerge-note", name: "note", rows: "2", "data-max": "2000" });
  const names = { number: m.merged_registration_number, survivor: m.survivor_registration_number };
  const ask = confirmButton({
    label: t("unmerge"), name: t("unmerge_name", names), question: t("unmerge_q"), yes: t("unmerge_yes"), no: t("unmerge_no"),
  }, async () => {
    const body = note.value.trim() ? { note: note.value.trim() } : {};
    const slot = `unmerge:${m.id}`;  // resent after a lost answer: the API answers the unmerge again
    try {
      const r = await api("POST", `/api/v1/registrant-merges/${m.id}/unmerge`, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
      if (r.ok) { sent(slot); return open(m.merged_id, t("unmerged_msg")); }
      sayLines(box, refusalLines(r, { numbers: { survivor: m.survivor_registration_number, merged: m.merged_registration_number } }));
    } catch (error) {
      if (!(error instanceof SessionExpired)) say(box, error.message);
    }
    return focusOn(box);
  });
  form.append(el("h2", t("unmerge")), el("label", t("unmerge_reason"), { for: "unmerge-note" }), note, ask, box);
  return form;
}

/**
 * Draws merged file `id` (its read answered `survivor`, the file it was merged into); `done` the
 * message to say, `current()` whether this opening is still the latest, `open(id, message)` opens a file.
 */
export async function showMergedFile(id, survivor, done, current, open) {
  let record = null;
  if (MERGING_ROLES.includes(state.me.role)) {
    const r = await api("GET", `/api/v1/registrant-merges?registrant_id=${id}&status=merged&limit=50`);
    record = r.ok ? r.body.items.find((m) => m.merged_id === id) || null : null;
  }
  if (!current()) return undefined;
  state.person = { record: { id }, merged: true };  // a change of language draws this screen again
  const name = `${survivor.given_names} ${survivor.family_name}`;
  const title = el("h1", t("merged_title"));
  const text = record
    ? t("merged_into", { number: record.merged_registration_number, when: when(record.decided_at, record.desk_id), name, survivor: survivor.registration_number })
    : t("merged_into_short", { name, survivor: survivor.registration_number });
  const go = el("button", t("merged_open_survivor", { name }), { type: "button", class: "link" });
  go.addEventListener("click", () => open(survivor.id));
  const parts = [title, el("p", text), go];
  if (record && mayUnmerge(record)) parts.push(unmergeForm(record, open));
  $("#person").replaceChildren(...parts);
  say($("#person-msg"), done, "ok");
  return focusOn(done ? $("#person-msg") : title);
}
