// Input not saved: a form holds some when what it holds differs from what it held when its screen
// showed it, or — a form drawn later (an edit, a note, a booking) — when the agent first went into
// it (focus or pointer). Typing and then erasing back is no change; a field added since (another
// document's row) counts only once it holds something. Every form is guarded by default; a form
// that only looks things up (a search, a list's filters, a period) is marked `data-lookup` and is
// never asked about. A list or value filled in by the client when a later answer arrives (the desk
// list after the sign-in) is no input of the agent's: its module fills it through `refill`. tabs.js
// asks before a screen holding such input is left (`askToLeave`).
import { el, focusOn } from "./dom.js";
import { t } from "./i18n.js";

let snapshots = new WeakMap();  // form → Map(field key → value) as it was shown
const checks = new WeakMap();     // form → its own test (an edit compared with the version it edits)
const settled = new WeakSet();  // forms abandoned by the agent or just saved: nothing to ask, until typed in again
// Signed out: every form is emptied and the desk lists with it; the next agent's screens are shown anew.
document.addEventListener("desk:cleared", () => { snapshots = new WeakMap(); });

const NOT_INPUT = new Set(["button", "submit", "reset", "image", "hidden", "fieldset", "output"]);
let restoring = false;  // the fields put back by `abandon`: not the agent typing

function fields(form) {
  return [...form.elements].filter((f) => !NOT_INPUT.has(f.type) && f.tagName !== "OBJECT");
}

// A field's key in its form: its name (or id) and its rank among the fields of that name, so that a
// field drawn again in place of another (a list of slots refilled, a row redrawn) is compared with it.
function keyed(form) {
  const seen = new Map();
  return fields(form).map((f) => {
    const name = f.name || f.id || "";
    seen.set(name, (seen.get(name) || 0) + 1);
    return [`${name}#${seen.get(name)}`, f];
  });
}

function valueOf(f) {
  if (f.type === "checkbox" || f.type === "radio") return f.checked;
  if (f.type === "file") return [...f.files].map((x) => `${x.name}:${x.size}`).join("\n");
  if (f.tagName === "SELECT" && f.multiple) return [...f.selectedOptions].map((o) => o.value).join("\n");
  return f.value;
}

// What a field holds before anyone types in it: its default (as drawn).
function blankOf(f) {
  if (f.type === "checkbox" || f.type === "radio") return f.defaultChecked;
  if (f.type === "file") return "";
  if (f.tagName === "SELECT") {
    const chosen = [...f.options].filter((o) => o.defaultSelected);
    if (f.multiple) return chosen.map((o) => o.value).join("\n");
    return (chosen[0] || f.options[0] || { value: "" }).value;
  }
  return f.defaultValue ?? "";
}

function setValue(f, value) {
  if (valueOf(f) === value) return;
  if (f.type === "checkbox" || f.type === "radio") f.checked = value;
  else if (f.type === "file") f.value = "";
  else if (f.tagName === "SELECT" && f.multiple) for (const o of f.options) o.selected = value.split("\n").includes(o.value);
  else f.value = value;
  // what depends on the field (a status's own fields, stale duplicates) follows it back
  restoring = true;
  try {
    f.dispatchEvent(new Event("input", { bubbles: true }));
    f.dispatchEvent(new Event("change", { bubbles: true }));
  } finally {
    restoring = false;
  }
}

function read(form) {
  return new Map(keyed(form).map(([key, f]) => [key, valueOf(f)]));
}

function guarded(form) {
  return form.isConnected && !form.closest("[data-lookup]");
}

/** `form` as it is now is what it holds unsaved-free (shown, saved). */
export function snapshot(form) {
  snapshots.set(form, read(form));
  settled.delete(form);
}

/** Every guarded form of `root` not seen yet takes its snapshot (a screen just shown); a form whose
 * module has not arrived yet (`data-wait`: its fields are still being drawn) takes it when gone into. */
export function snapshotForms(root) {
  for (const form of root.querySelectorAll("form:not([data-wait])")) if (!snapshots.has(form)) snapshot(form);
}

/** `fill()`, run at once, puts into `nodes` (fields, or forms) what a later answer brought: a list
 * and the value it chooses (the desk list after the sign-in, the other desks, the partners, the
 * regions). That is not the agent's input: in each form already seen, every field the agent had
 * not changed takes what the fill left as its value as shown; what the agent had changed (a value,
 * a row removed) is still compared with what was shown. Returns what `fill()` returns. */
export function refill(nodes, fill) {
  const forms = new Set([nodes].flat().map((n) => (n.tagName === "FORM" ? n : n.form || n.closest("form"))).filter(Boolean));
  const mine = new Map();  // form → Map(key → value as shown, undefined: a field added since) the agent changed
  for (const form of forms) {
    const before = snapshots.get(form);
    if (!before) continue;  // not seen yet: its snapshot, taken later, holds what the fill left
    const changed = new Map();
    const now = keyed(form);
    for (const [key, f] of now) if (valueOf(f) !== (before.has(key) ? before.get(key) : blankOf(f))) changed.set(key, before.get(key));
    const kept = new Set(now.map(([key]) => key));
    for (const [key, value] of before) if (!kept.has(key)) changed.set(key, value);
    mine.set(form, changed);
  }
  try {
    return fill();
  } finally {
    for (const [form, changed] of mine) {
      const shown = read(form);
      for (const [key, value] of changed) if (value === undefined) shown.delete(key); else shown.set(key, value);
      snapshots.set(form, shown);
    }
  }
}

/** `fresh`, drawn again in place of `form` (a change refused with 412, read again, what was typed
 * put back), is compared with what `form` held when shown: what was typed stays unsaved input. */
export function carrySnapshot(form, fresh) {
  if (snapshots.has(form)) snapshots.set(fresh, snapshots.get(form));
}

/** `form` says itself whether it holds unsaved input (`check()`), instead of its snapshot. */
export function guardForm(form, check) {
  checks.set(form, check);
}

export function isModified(form) {
  if (!guarded(form) || settled.has(form)) return false;
  if (checks.has(form)) return Boolean(checks.get(form)());
  const before = snapshots.get(form);
  if (!before) return false;  // neither shown with its screen nor gone into: nothing typed in it
  const now = keyed(form);
  for (const [key, f] of now) if (valueOf(f) !== (before.has(key) ? before.get(key) : blankOf(f))) return true;
  const kept = new Set(now.map(([key]) => key));
  for (const [key, value] of before) if (!kept.has(key) && value !== "" && value !== false) return true;  // a row removed with what it held
  return false;
}

/** The forms of `root` holding unsaved input. */
export function modifiedForms(root) {
  return [...root.querySelectorAll("form")].filter(isModified);
}

/** The agent chose to abandon `form`'s input: its fields go back to what they held when shown. */
export function abandon(form) {
  const before = snapshots.get(form);
  if (before) for (const [key, f] of keyed(form)) setValue(f, before.has(key) ? before.get(key) : blankOf(f));
  settled.add(form);
}

// The snapshot of a form drawn after its screen: taken when the agent first goes into it, before
// any key or click changes it.
function goingInto(event) {
  const target = event.target;
  const form = target && (target.form || (target.closest && target.closest("form")));
  if (form && !snapshots.has(form)) snapshot(form);
}
document.addEventListener("focusin", goingInto, true);
document.addEventListener("pointerdown", goingInto, true);
// The form the agent last sent: once the API accepts the change, what it holds is saved (a case
// opened from the file leaves the file with its form as sent, and is not asked about).
let sent = null;
document.addEventListener("submit", (event) => { sent = event.target; }, true);
document.addEventListener("desk:answered", (event) => {
  const form = sent;
  sent = null;  // refused: still unsaved, and no later change of another button's makes it saved
  if (!event.detail.ok || !form) return;
  settled.add(form);
  // once its module has done with it (emptied it, kept it as saved), that is what it holds unsaved-free
  setTimeout(() => { if (form.isConnected && settled.has(form)) snapshot(form); }, 0);
});
// Typed in again after abandoning: that is new input.
document.addEventListener("input", (event) => {
  const form = event.target && event.target.form;
  if (form && !restoring) settled.delete(form);
}, true);

// The question, in the page (as every confirmation of the client: a question and two buttons,
// focus on the question), modal: nothing else on the page is reached until it is answered. Escape
// stays. Resolves true to leave (the input abandoned by the caller), false to stay.
let pending = null;

export function askToLeave() {
  if (pending) return pending;
  const back = document.activeElement;
  const dialog = el("dialog", null, { id: "leave-dialog", class: "confirm", "aria-labelledby": "leave-question" });
  const question = el("p", t("leave_unsaved"), { id: "leave-question", tabindex: "-1" });
  const leave = el("button", t("leave_discard"), { type: "button" });
  const stay = el("button", t("leave_stay"), { type: "button", class: "secondary" });
  dialog.append(question, leave, stay);
  document.getElementById("main").append(dialog);
  pending = new Promise((resolve) => {
    const answer = (go) => {
      dialog.close();
      dialog.remove();
      pending = null;
      if (!go && back && back.isConnected) focusOn(back);
      resolve(go);
    };
    leave.addEventListener("click", () => answer(true));
    stay.addEventListener("click", () => answer(false));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); answer(false); });
  });
  dialog.showModal();
  focusOn(question);
  return pending;
}
