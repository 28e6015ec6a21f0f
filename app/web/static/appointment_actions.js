// Cancelling an appointment asks first, inline (no window.confirm: it is not read well by screen
// readers and the strict CSP pages are tested headless): a group with the question and two buttons,
// focus on the question; "no" puts the focus back on the cancel button. Each status change says
// what happened in words ("Rendez-vous annulé.", "Absence enregistrée.").
import { busy, el, focusOn } from "./dom.js";
import { t } from "./i18n.js";
import "./i18n_desk.js";

/** The message for an appointment moved to `status` (kept, missed, cancelled). */
export function appointmentDone(status) {
  return t({ kept: "appt_kept", missed: "appt_missed", cancelled: "appt_cancelled" }[status] || "appointment_saved");
}

/** A "Cancel the appointment" button that asks for confirmation, then runs `run()` (a promise). */
export function cancelButton(when, run) {
  const wrap = el("span", null, { class: "confirm-wrap" });
  const ask = el("button", t("cancel_appt"), { type: "button", class: "secondary", "aria-expanded": "false" });
  const group = el("div", null, { role: "group", class: "confirm", hidden: "" });
  const question = el("p", t("confirm_cancel_q", { when }), { tabindex: "-1" });
  group.setAttribute("aria-label", t("cancel_appt"));
  const yes = el("button", t("confirm_cancel_yes"), { type: "button" });
  const no = el("button", t("confirm_cancel_no"), { type: "button", class: "secondary" });
  group.append(question, yes, no);
  const close = () => { group.hidden = true; ask.hidden = false; ask.setAttribute("aria-expanded", "false"); };
  ask.addEventListener("click", () => {
    group.hidden = false;
    ask.setAttribute("aria-expanded", "true");
    ask.hidden = true;
    focusOn(question);
  });
  no.addEventListener("click", () => { close(); focusOn(ask); });
  yes.addEventListener("click", () => busy(yes, async () => { await run(); }));
  wrap.append(ask, group);
  return wrap;
}
