// A printable receipt for the person: registration number, latest case, next appointment, desk and
// its opening hours, and the link code to their online account when one was just issued on this
// page (online_account.js keeps it in `state.linkCodes`). Printed with the print stylesheet (only
// the receipt is on paper).
import { definitionList, el } from "./dom.js";
import { code, i18n, t } from "./i18n.js";
import { deskOf, deskTime, state } from "./state.js";

function weekday(n) {
  // 2024-01-01 was a Monday: ISO weekday n is 2024-01-0n.
  return new Intl.DateTimeFormat(i18n.lang, { weekday: "long" }).format(new Date(2024, 0, Number(n), 12));
}

export function hoursText(desk) {
  const days = Object.keys(desk.opening_hours || {}).sort();
  return days.map((d) => `${weekday(d)} ${desk.opening_hours[d].map(([a, b]) => `${a}–${b}`).join(", ")}`).join(" · ");
}

export function receipt(person, extra) {
  const desk = deskOf(person.desk_id) || {};
  const cases = (extra.cases || []).slice().sort((a, b) => String(b.opened_on).localeCompare(String(a.opened_on)));
  const next = (extra.appointments || []).find((a) => a.status === "booked" && new Date(a.starts_at) > new Date());
  const box = el("section", null, { id: "receipt", "aria-labelledby": "receipt-title" });
  box.append(
    el("h2", `${t("receipt")} — ${desk.name || ""}`, { id: "receipt-title" }),
    definitionList([
      [t("person"), `${person.given_names} ${person.family_name}`],
      [t("registration_number"), person.registration_number],
      [t("case_number"), cases.length ? `${cases[0].case_number} (${code(cases[0].status)})` : null],
      [t("next_appointment"), next ? deskTime(next.starts_at, next.desk_id, i18n.lang) : null],
      [t("desk"), [desk.name, desk.name && desk.name.includes(desk.city) ? null : desk.city].filter(Boolean).join(", ")],
      [t("opening_hours"), desk.opening_hours ? hoursText(desk) : null],
      ...linkCodeRows(person),
      [t("printed_on"), deskTime(new Date().toISOString(), person.desk_id, i18n.lang)],
    ]),
  );
  return box;
}

// The link code issued for the person and not expired, as read out, with its expiry in the desk's time.
function linkCodeRows(person) {
  const issued = (state.linkCodes || {})[person.id];
  if (!issued || new Date(issued.expires_at) <= new Date()) return [];
  const code = issued.code.length === 10 ? `${issued.code.slice(0, 5)}-${issued.code.slice(5)}` : issued.code;
  return [
    [t("receipt_link_code"), el("strong", code, { class: "mono" })],
    [t("receipt_link_code_until"), deskTime(issued.expires_at, person.desk_id, i18n.lang)],
  ];
}

/** Draw the receipt of `person` after `anchor` (replacing an earlier one) and print it. */
export function printReceipt(person, extra, anchor) {
  const old = document.getElementById("receipt");
  const fresh = receipt(person, extra);
  if (old) old.replaceWith(fresh);
  else anchor.after(fresh);
  window.print();
}

export function receiptButton(person, extra) {
  const button = el("button", t("print_receipt"), { type: "button", class: "secondary", id: "print-receipt" });
  button.addEventListener("click", () => printReceipt(person, extra, button));
  return button;
}
