// Cancelling an appointment asks first, inline (dom.js confirmButton). Each status change says
// what happened in words ("Rendez-vous annulé.", "Absence enregistrée.").
import { confirmButton } from "./dom.js";
import { colon, t } from "./i18n.js";
import "./i18n_desk.js";

/** The message for an appointment moved to `status` (kept, missed, cancelled); `notified`: the
 * API queued a message to the person (`person_notified`), said only then. */
export function appointmentDone(status, notified = false) {
  const done = t({ kept: "appt_kept", missed: "appt_missed", cancelled: "appt_cancelled" }[status] || "appointment_saved");
  return notified ? `${done} ${t("appt_person_told")}` : done;
}

/** A "Cancel the appointment" button that asks for confirmation, then runs `run()` (a promise);
 * `when` (who and when) is in the question and in the button's accessible name. */
export function cancelButton(when, run) {
  return confirmButton({
    label: t("cancel_appt"), name: `${t("cancel_appt")}${colon()}${when}`, question: t("confirm_cancel_q", { when }),
    yes: t("confirm_cancel_yes"), no: t("confirm_cancel_no"),
  }, run);
}
