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

/** The desk's date now (`YYYY-MM-DD`) in the IANA zone `timeZone`. */
export function deskToday(timeZone, now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** The statuses a listed appointment `a` (the API's, with `local_date` and `time_zone`) may be
 * moved to, as the API allows them (app/appointments/service.py `transition`): only a booked one
 * changes; it may be cancelled any time, marked arrived or absent only from its day on at the desk.
 * (On the day itself, an arrival earlier than an hour before the start, or a no-show before the
 * start, is still refused by the API in words: the buttons are not withdrawn as the clock turns.) */
export function offeredStatuses(a, now = new Date()) {
  if (a.status !== "booked") return [];
  return a.local_date <= deskToday(a.time_zone, now) ? ["kept", "missed", "cancelled"] : ["cancelled"];
}
