// The screens of the desk view: one visible at a time, focus moved to its heading (the search
// field on the search screen), each with its own address in the history.
import { $, $$, focusOn, say } from "./dom.js";
import { clearInvalid } from "./api.js";
import { state } from "./state.js";
import { abandon, askToLeave, modifiedForms, snapshotForms } from "./unsaved.js";

const openers = {};

// Leaving a screen whose forms hold input not saved (unsaved.js) asks first, in the page: every
// way out goes through `mayLeave` — the tabs, "back to results", a file or case opened from a list
// (`openPerson`, `openCase`), Back/Forward, the language switch, signing out. "Stay" keeps the
// screen, its address and every value; "leave" puts the forms back as they were shown, then goes.
// Closing or reloading the page asks the browser's own question.

/** Whether the agent may leave the screen shown for `address` (null: any way out): true at once
 * when it is the screen being looked at (drawn again, after a save) or nothing typed there is
 * unsaved; otherwise a promise of the agent's answer, the input abandoned when they leave. */
export function mayLeave(address = null) {
  if (address !== null && same(address, shown)) return true;
  const screen = $(".tab:not([hidden])");
  const forms = screen ? modifiedForms(screen) : [];
  if (!forms.length) return true;
  return askToLeave().then((leave) => {
    if (leave) for (const form of forms) abandon(form);
    return leave;
  });
}

export function onTab(name, handler) { openers[name] = handler; }

// Leaving a screen: the messages its last actions said ("Rendez-vous annulé.", "Personne
// enregistrée…", a refusal) and the fields they marked go, so that coming back (or to another
// person) shows none of them as if they were about what is on screen now. Notes that are not
// messages (`.msg` without a live role: "no partner yet") and the forms' contents stay.
function forgetMessages(tab) {
  for (const box of $$(".msg[role=alert], .msg[role=status]", tab)) say(box, "");
  for (const form of $$("form", tab)) clearInvalid(form);
}

/** Show screen `name` at `address` (`#/person/<id>` for a record's screen) once `mayLeave` allows
 * it: a promise of whether it was shown. */
export function showTab(name, { focus = true, address = `#/${name}` } = {}) {
  const allowed = mayLeave(address);
  if (allowed === true) {
    show(name, focus, address);
    return Promise.resolve(true);
  }
  return allowed.then((leave) => {
    if (leave) show(name, focus, address);
    return leave;
  });
}

function show(name, focus, address) {
  for (const left of $$(".tab")) if (!left.hidden && left.id !== `tab-${name}`) forgetMessages(left);
  for (const node of $$(".tab")) node.hidden = node.id !== `tab-${name}`;
  for (const b of $$("[data-tab]")) {
    if (b.dataset.tab === name) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  if (openers[name]) openers[name]();
  record(address);
  snapshotForms($(`#tab-${name}`));
  // The search screen: focus on its field, where the agent types next.
  if (focus && name === "search") focusOn($("#search-q"));
  else if (focus) focusOn($(`#tab-${name} h1`) || $(`#tab-${name}`));
}

// History: every screen has its own address (`#/search`, `#/person/<id>`, `#/case/<id>`,
// `#/cases`…), so Back and Forward move between screens and a reload reopens the same one,
// fetched again. Only ids ever go in the address, never a name or a search term.
// While the sign-in screen is up (`starting`) the address is left as it is: once signed in (or in
// again after the session expired), the screen it names is shown — a link opened before signing in,
// or meanwhile, is not lost. Signing out empties the address (`desk:cleared`), so an agent signing in
// never lands on a screen left there by someone else.
const routing = { starting: true, restoring: false };

let shown = location.hash;  // the address of the screen shown, to return to when leaving is refused
// Each entry of the app's history carries its rank (`n`): a Back or Forward refused is undone by
// going as many entries the other way, the entries ahead kept.
let position = history.state && Number.isInteger(history.state.n) ? history.state.n : 0;
history.replaceState({ ...(history.state || {}), n: position }, "");

function same(a, b) {
  const bare = (h) => (h === "" || h === "#" || h === "#/" ? "#/search" : h);
  return bare(a) === bare(b);
}

function record(hash) {
  shown = hash;
  if (routing.starting || routing.restoring || same(location.hash, hash)) return;
  position += 1;
  history.pushState({ desk: true, n: position }, "", hash);
}

/** The address of the screen showing one record (`address("person", id)`). */
export function address(kind, id) {
  return `#/${kind}/${encodeURIComponent(id)}`;
}

// A Back or Forward the agent chose not to take (unsaved input): back to the entry of the screen
// still shown (its popstate then finds the screen shown and does nothing).
function undo(entry) {
  if (entry !== null) history.go(position - entry);
  else { position += 1; history.pushState({ desk: true, n: position }, "", shown); }
}

function screenOf(hash) {
  const [, kind, id] = /^#\/([a-z]+)(?:\/([0-9a-fA-F-]{1,64}))?$/.exec(hash) || [];
  return { kind, id };
}

// Whether the record the address names is the one drawn: a read cut by the session's end left its
// screen shown but empty (or showing the record before), to be read again once signed in again.
function drawn(hash) {
  const { kind, id } = screenOf(hash);
  const key = String(id).toLowerCase();
  if (kind === "case" && id) return Boolean(state.caseView) && state.caseView.case.id === key;
  if (kind === "person" && id) return Boolean(state.person) && state.person.record.id === key;
  return true;
}

async function go(hash) {
  const { kind, id } = screenOf(hash);
  routing.restoring = true;
  try {
    if (kind === "person" && id) await (await import("./person.js")).openPerson(id);
    else if (kind === "case" && id) await (await import("./case.js")).openCase(id);
    else {
      const button = kind && $(`[data-tab="${kind}"]`);
      showTab(button && !button.hidden ? kind : "search");
    }
  } finally {
    routing.restoring = false;
  }
}

function signedIn() {
  return !$("#desk-view").hidden;
}

export function initTabs() {
  for (const b of $$("[data-tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
  // Back/Forward: the screen of that entry, fetched again; signed out, the sign-in screen stays.
  window.addEventListener("popstate", async (event) => {
    if (!signedIn()) return;
    const target = location.hash;
    if (target && !target.startsWith("#/")) return;  // an anchor of the page (the skip link), not a screen
    const entry = event.state && Number.isInteger(event.state.n) ? event.state.n : null;
    if (same(target, shown)) { if (entry !== null) position = entry; return; }
    if (!(await mayLeave(target))) { undo(entry); return; }
    if (entry !== null) position = entry;
    shown = target;
    go(target);
  });
  window.addEventListener("beforeunload", (event) => { if (modifiedForms($("#desk-view")).length) event.preventDefault(); });
  // Signed in (or the page reloaded with a session): the screen of the address, if it is not the one shown.
  document.addEventListener("desk:ready", () => {
    routing.starting = false;
    const target = location.hash;
    if (target.startsWith("#/") && (!same(target, shown) || !drawn(target))) go(target);
  });
  // Signed out: the address forgets the last screen (earlier entries need a sign-in and show nothing).
  document.addEventListener("desk:cleared", () => {
    history.replaceState({ n: position }, "", location.pathname + location.search);
  });
}

/** The sign-in screen is shown: the address is kept for the screen to show once signed in. */
export function awaitSignIn() {
  routing.starting = true;
}
