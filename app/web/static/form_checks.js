// Every form of the page, in one place: each attempt to send one starts from a clean screen — the
// messages the screen said before and the fields they marked go, even when the browser's own checks
// (a required field empty, a box not ticked, a number out of range, a malformed e-mail) stop the
// attempt before the form's module sees it. Such an attempt is then said in the app's own words
// and language, in the form's message box, the fields marked (the browser's bubble would speak the
// browser's language, and leave the earlier message standing as if about this attempt).
import { clearInvalid, validityLines } from "./api.js";
import { $$, el, focusOn, say, sayLines } from "./dom.js";

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

export function checkForms() {
  document.addEventListener("submit", (event) => forgetScreen(event.target), true);
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
