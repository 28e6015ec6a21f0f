// Legal holds of a person's file (GET /registrants/{id}/legal-holds): listed for supervisors,
// administrators and auditors; placed (reason, optional last day) and released by supervisors and
// administrators. While one is in force the API refuses the erasure of every file of the person.
// Placing and releasing keep their Idempotency-Key until the API confirms (a resend after a lost
// answer gets the first answer back); refusals are said next to the form, the field marked.
import { api, keyFor, readPart, sent } from "./api.js";
import { busy, confirmButton, drawTurn, el, focusOn, say, unreadNotice } from "./dom.js";
import { colon, dayText, t } from "./i18n.js";
import { state } from "./state.js";
import { failed, field, messageBox, refuse } from "./admin_common.js";
import "./i18n_rights.js";

export const HOLD_WRITE_ROLES = ["supervisor", "admin"];

const utcToday = () => new Date().toISOString().slice(0, 10);

/** Whether hold `h` is in force today (the API's rule: not released, `until` its last day, UTC). */
export function inForce(h, today = utcToday()) {
  return !h.released_at && (!h.until || h.until >= today);
}

/** "jusqu'au 31 déc. 2099" or "jusqu'à sa levée". */
export function untilText(until) {
  return until ? t("hold_until", { day: dayText(until) }) : t("hold_open_ended");
}

// A lifted hold's reason is blanked ("") when the person's data are erased: said so, never an empty line.
const reasonText = (h) => h.reason || t("hold_reason_erased");

function stateText(h) {
  if (h.released_at) return t("hold_released", { day: dayText(h.released_at) });
  return inForce(h) ? `${t("hold_in_force")}, ${untilText(h.until)}` : t("hold_expired", { day: dayText(h.until) });
}

function placeForm(person, onPlaced) {
  const form = el("form", null, { id: "legal-hold-form" });
  const box = messageBox("legal-hold-form-msg");
  const [reasonLabel, reason] = field("hold-reason", "reason", t("hold_reason"), { required: true });
  const [untilLabel, until] = field("hold-until", "until", t("hold_until_field"), { type: "date" });
  until.setAttribute("aria-describedby", "hold-until-hint");
  const submit = el("button", t("hold_submit"), { type: "submit" });
  form.append(el("h4", t("hold_place")), reasonLabel, reason, untilLabel, until,
    el("small", t("hold_until_hint"), { id: "hold-until-hint" }), box, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const body = { registrant_id: person.id, reason: reason.value };
      if (until.value) body.until = until.value;
      const slot = `hold:${person.id}`;
      try {
        const r = await api("POST", "/api/v1/privacy/legal-holds", { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
        if (!r.ok) return refuse(box, r, form);
        sent(slot);
        form.reset();
        say(box, "");
        return onPlaced();
      } catch (error) {
        return failed(box, error);
      }
    });
  });
  return form;
}

/** The legal holds part of the person's rights: the list and, for those who may, the form. */
export async function holdsPart(person) {
  const canWrite = HOLD_WRITE_ROLES.includes(state.me.role) && !person.anonymised_at;
  const part = el("div", null, { id: "legal-holds" });
  const list = el("ul", null, { class: "list", id: "legal-hold-list" });
  const box = messageBox("legal-holds-msg");
  const done = (message) => { say(box, message, "ok"); return focusOn(box); };
  const release = (h) => confirmButton({
    label: t("hold_release"), name: `${t("hold_release_name")}${colon()}${reasonText(h)}`,
    question: t("hold_release_q", { reason: reasonText(h) }), yes: t("hold_release_yes"), no: t("hold_release_no"),
  }, async () => {
    const slot = `release:${h.id}`;
    try {
      const r = await api("POST", `/api/v1/privacy/legal-holds/${h.id}/release`, { headers: { "Idempotency-Key": keyFor(slot, {}) } });
      if (!r.ok) {  // released meanwhile (409): said, and the list as it is now
        await draw();
        return refuse(box, r);
      }
      sent(slot);
      await draw();
      return done(t("hold_released_msg"));
    } catch (error) {
      return failed(box, error);
    }
  });
  const row = (h) => {
    const li = el("li", null, { class: "legal-hold" });
    li.append(el("strong", reasonText(h)), ` · ${stateText(h)} · ${t("hold_set", { by: h.set_by_label, day: dayText(h.set_at) })}`);
    if (canWrite && inForce(h)) li.append(" ", release(h));
    return li;
  };
  // Only the latest read draws (a hold placed or released reads the list again); one that could not
  // be read (a refusal, no answer) is said in its place, never « Aucune conservation légale »:
  // whether the person's data may be erased hangs on it.
  async function draw() {
    const current = drawTurn(list);
    const r = await readPart(`/api/v1/registrants/${person.id}/legal-holds`);
    if (!current()) return undefined;
    if (!r.ok) return list.replaceChildren(unreadNotice("list_unread", "li", r));
    return list.replaceChildren(...(r.body.length ? r.body.map(row) : [el("li", t("holds_none"))]));
  }
  part.append(el("h3", t("holds_title")), el("p", t("holds_intro")), box, list);
  if (canWrite) part.append(placeForm(person, async () => { await draw(); return done(t("hold_placed")); }));
  await draw().catch((error) => failed(box, error));
  return part;
}
