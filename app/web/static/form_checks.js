// Every form of the page, in one place: each attempt to send one starts from a clean screen — the
// messages the screen said before and the fields they marked go, even when the browser's own checks
// (a required field empty, a box not ticked, a number out of range, a malformed e-mail) stop the
// attempt before the form's module sees it. Such an attempt is then said in the app's own words
// and language, in the form's message box, the fields marked (the browser's bubble would speak the
// browser's language, and leave the earlier message standing as if about this attempt).
import { clearInvalid, overLimit, validityLines } from "./api.js";
import { $$, el, focusOn, say, sayLines } from "./dom.js";
import { t } from "./i18n.js";

const LIVE = ".msg[role=alert], .msg[role=status]";

// The screen a form belongs to: its tab, or the sign-in view.
const screenOf = (form) => form.closest(".tab, section#login-view") || form.parentElement;

function forgetScreen(form) {
  const screen = screenOf(form);
  for (const box of $$(LIVE, screen)) say(box, "");
  for (const other of $$("form", screen)) clearInvalid(other);
}

// The box where the form's outcome is said: in the form, else the first after it (or after the
// part of the screen holding it), else just before it; one is added after the form when there is none.
function boxOf(form) {
  const inside = form.querySelector(".msg[role=alert]");
  if (inside) return inside;
  const screen = screenOf(form);
  for (let node = form; node && node !== screen; node = node.parentElement) {
    for (let next = node.nextElementSibling; next; next = next.nextElementSibling) {
      if (next.matches("form, section")) break;
      if (next.matches(".msg[role=alert]")) return next;
    }
  }
  for (let prev = form.previousElementSibling; prev && !prev.matches("form, section"); prev = prev.previousElementSibling) {
    if (prev.matches(".msg[role=alert]")) return prev; // the sign-in's message, above its form
  }
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  form.after(box);
  return box;
}

// The `invalid` events of one attempt come one per field, synchronously: gathered, then said once.
let blocked = null;

function sayBlocked() {
  const { form, inputs } = blocked;
  blocked = null;
  forgetScreen(form);
  sayLines(boxOf(form), validityLines(form, inputs));
  focusOn(inputs[0]);
}

// A date of birth as agents type it (`data-partial-date`: YYYY, YYYY-MM or YYYY-MM-DD for the API,
// which keeps partial dates and takes nothing else), written the API's way: day first with « / »,
// « - » or « . » (15/03/1992, 15-03-1992, 15.03.1992 → 1992-03-15), a month and a year (03/1992 →
// 1992-03), a month or day of one digit (1985-7 → 1985-07, 1985-7-4 → 1985-07-04), and 00 for a
// day or month not known, as the desks' registers write it (00/00/1979 → 1979, 00/05/1979 →
// 1979-05). Anything else — a two-digit year (15/03/92: which century?), another shape — is left as
// typed, for the API to refuse in words; an impossible day (31/02/1990 → 1990-02-31) too. Digits
// typed on an Arabic keyboard, Arabic-Indic (١٥/٠٣/١٩٩٢) or Eastern Arabic-Indic (۱۵/۰۳/۱۹۹۲), are
// first written as ASCII digits (15/03/1992), which the API takes.
const YEAR_FIRST = /^(\d{4})(?:\s*([-/.])\s*(\d{1,2})(?:\s*\2\s*(\d{1,2}))?)?$/;
const DAY_FIRST = /^(?:(\d{1,2})\s*([-/.])\s*)?(\d{1,2})\s*([-/.])\s*(\d{4})$/;

export function partialDate(text) {
  // U+0660–0669 and U+06F0–06F9: the digit is the code point's last hexadecimal digit
  const value = String(text).trim().replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (c) => String(c.charCodeAt(0) & 0xf));
  let year, month, day;
  const iso = YEAR_FIRST.exec(value);
  const french = !iso && DAY_FIRST.exec(value);
  if (iso) [, year, , month, day] = iso;
  else if (french && (french[1] === undefined || french[2] === french[4])) [, day, , month, , year] = french;
  else return value;  // another shape, or 15/03-1992: not one way of writing a date
  const [m, d] = [Number(month || 0), Number(day || 0)];
  if (d && !m) return value;  // a day without its month
  if (!m) return year;
  const pad = (n) => String(n).padStart(2, "0");
  return d ? `${year}-${pad(m)}-${pad(d)}` : `${year}-${pad(m)}`;
}

// Each date of birth of `form` written the API's way (the field shows what is sent).
function writeDates(form) {
  for (const input of $$("input[data-partial-date]", form)) {
    const written = partialDate(input.value);
    if (written !== input.value) input.value = written;
  }
}

// A text field with the API's limit (`data-max`) longer than it is refused by the browser as the
// agent types or pastes (and as a form drawn again refills it: carry.js's `change`), so the form is
// not sent: said with the limit (api.js validityReason), the text kept whole for the agent to cut.
function checkLength(event) {
  const input = event.target;
  if (input && input.matches && input.matches("[data-max]")) input.setCustomValidity(overLimit(input) ? t("field_too_long") : "");
}

export function checkForms() {
  document.addEventListener("input", checkLength, true);
  document.addEventListener("change", checkLength, true);
  // a date of birth is written the API's way as the agent leaves the field, and before it is sent
  document.addEventListener("change", (event) => { if (event.target.form && event.target.matches("input[data-partial-date]")) writeDates(event.target.form); }, true);
  document.addEventListener("submit", (event) => { writeDates(event.target); forgetScreen(event.target); }, true);
  document.addEventListener("invalid", (event) => {
    const form = event.target.form;
    if (!form) return;
    event.preventDefault(); // no bubble in the browser's language: the app says it
    if (!blocked) {
      blocked = { form, inputs: [] };
      setTimeout(sayBlocked, 0);
    }
    // One line per field: a double click sends the attempt twice before it is said, and each radio
    // of a required group is refused on its own (« Réponse de la personne : à choisir » twice).
    const input = event.target;
    const same = (other) => other === input || (input.type === "radio" && other.type === "radio" && other.name === input.name);
    if (blocked.form === form && !blocked.inputs.some(same)) blocked.inputs.push(input);
  }, true);
}
