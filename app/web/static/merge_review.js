// A supervisor's decision on a proposed merge (POST /registrant-merges/{id}/approve or /reject):
// "Examiner" shows both files' values where they differ and which one the proposal keeps (the
// preview), what would move and the agent's note; then approve or reject, with a note. The
// Idempotency-Key of a decision is kept until it is confirmed. Used on the file and in the list of
// merges awaiting approval (reviews.js).
import { api, keyFor, sent, SessionExpired } from "./api.js";
import { busy, definitionList, el, focusOn, say, sayLines } from "./dom.js";
import { colon, t } from "./i18n.js";
import { fieldText, movesText, overLimitLines, refusalLines, valueText } from "./merge_common.js";
import { loadAreas } from "./areas.js";

async function details(m) {
  const p = await api("GET", `/api/v1/registrant-merges/preview?survivor_id=${m.survivor_id}&merged_id=${m.merged_id}`);
  const numbers = { survivor: m.survivor_registration_number, merged: m.merged_registration_number };
  if (!p.ok) {  // an erased or merged file since: said, the decision (reject) still offered
    const box = el("p", null, { class: "msg warning" });
    sayLines(box, refusalLines(p, { numbers }), "warning");
    return [box];
  }
  for (const c of p.body.conflicts.filter((x) => x.field === "origin_region_code")) await loadAreas(c.survivor || c.merged);
  const rows = p.body.conflicts.map((c) => {
    const side = m.choices[c.field] || "survivor";
    const kept = t("merge_kept_value", { number: numbers[side] });
    return [fieldText(c.field), `${numbers.survivor}${colon()}${valueText(c.field, c.survivor)} · ${numbers.merged}${colon()}${valueText(c.field, c.merged)} → ${kept}`];
  });
  rows.push([t("merge_moves"), movesText(p.body.moves) || t("merge_moves_none")]);
  rows.push([t("merge_proposal_note"), m.note || t("empty")]);
  const parts = [definitionList(rows)];
  for (const line of overLimitLines(p.body.over_limit)) parts.push(el("p", line, { class: "msg warning" }));
  return parts;
}

/** "Examiner" for proposed merge `m` and, once open, its approval or rejection; `done(message)`
 * once decided (the caller draws its list or file again). */
export function reviewControls(m, done) {
  const wrap = el("div", null, { class: "merge-review" });
  const names = { merged: m.merged_registration_number, survivor: m.survivor_registration_number };
  const open = el("button", t("merge_review"), { type: "button", class: "secondary", "aria-expanded": "false", "aria-label": t("merge_review_name", names) });
  const panel = el("div", null, { hidden: "" });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const noteId = `merge-decision-${m.id}`;
  const note = el("textarea", null, { id: noteId, name: "note", rows: "2" , "data-max": "2000" });
  const decide = (approve) => {
    const b = el("button", t(approve ? "merge_approve" : "merge_reject"), { type: "button", class: approve ? "" : "secondary" });
    b.addEventListener("click", () => busy(b, async () => {
      const body = note.value.trim() ? { note: note.value.trim() } : {};
      const slot = `merge-decision:${m.id}:${approve}`;
      try {
        const r = await api("POST", `/api/v1/registrant-merges/${m.id}/${approve ? "approve" : "reject"}`, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
        if (r.ok) { sent(slot); return done(t(approve ? "merge_approved_msg" : "merge_rejected_msg", names)); }
        sayLines(box, r.status === 412 ? [t("merge_approve_stale")] : refusalLines(r, { numbers: names }));
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(box, error.message);
      }
      return focusOn(box);
    }));
    return b;
  };
  open.addEventListener("click", () => busy(open, async () => {
    if (!panel.hidden) { panel.hidden = true; open.setAttribute("aria-expanded", "false"); return; }
    const buttons = el("div");
    buttons.append(decide(true), decide(false));
    panel.replaceChildren(...await details(m), el("label", t("merge_decision_note"), { for: noteId }), note, buttons, box);
    panel.hidden = false;
    open.setAttribute("aria-expanded", "true");
    focusOn(panel.querySelector("dl, .msg"));
  }));
  wrap.append(open, panel);
  return wrap;
}
