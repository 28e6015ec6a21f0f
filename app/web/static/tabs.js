// The screens of the desk view: one visible at a time, focus moved to its heading (the search
// field on the search screen), each with its own address in the history.
import { $, $$, focusOn, say } from "./dom.js";
import { t } from "./i18n.js";
import { clearInvalid } from "./api.js";

const openers = {};

// A screen with unsaved work (an edit of a file) registers `unsaved`, which says whether there is
// any: leaving it then asks first (tabs, "back to results", Back/Forward; a reload or closing the
// page asks the browser's own question), and a refusal keeps the agent where they were.
let unsaved = null;
export function guardLeaving(check) { unsaved = check; }

/** Whether the agent may leave the current screen: nothing unsaved, or they said to leave it. */
export function leaveAllowed() {
  if (!unsaved || !unsaved()) return true;
  if (!window.confirm(t("leave_unsaved"))) return false;
  unsaved = null;
  return true;
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

export function showTab(name, { focus = true } = {}) {
  for (const left of $$(".tab")) if (!left.hidden && left.id !== `tab-${name}`) forgetMessages(left);
  for (const node of $$(".tab")) node.hidden = node.id !== `tab-${name}`;
  for (const b of $$("[data-tab]")) {
    if (b.dataset.tab === name) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  if (openers[name]) openers[name]();
  if (!ROUTED_BY_ID.has(name)) record(`#/${name}`);
  // The search screen: focus on its field, where the agent types next.
  if (focus && name === "search") focusOn($("#search-q"));
  else if (focus) focusOn($(`#tab-${name} h1`) || $(`#tab-${name}`));
}

// History: every screen has its own address (`#/search`, `#/person/<id>`, `#/case/<id>`,
// `#/cases`…), so Back and Forward move between screens and a reload reopens the same one,
// fetched again. Only ids ever go in the address, never a name or a search term.
const ROUTED_BY_ID = new Set(["person", "case"]);
// The address's screen is reopened only for a session already open in this tab (a reload): an
// agent signing in never lands on a screen left in the address by someone else.
const routing = { starting: true, restoring: false, initial: sessionStorage.getItem("access") ? location.hash : null };

let shown = location.hash;  // the address of the screen shown, to return to when leaving is refused

function same(a, b) {
  const bare = (h) => (h === "" || h === "#" || h === "#/" ? "#/search" : h);
  return bare(a) === bare(b);
}

function record(hash) {
  shown = hash;
  if (routing.starting || routing.restoring || same(location.hash, hash)) return;
  history.pushState({ desk: true }, "", hash);
}

/** The address of a screen showing one record (`route("person", id)`), as a new history entry. */
export function route(kind, id) {
  record(`#/${kind}/${encodeURIComponent(id)}`);
}

async function go(hash) {
  const [, kind, id] = /^#\/([a-z]+)(?:\/([0-9a-fA-F-]{1,64}))?$/.exec(hash) || [];
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
  for (const b of $$("[data-tab]")) b.addEventListener("click", () => { if (leaveAllowed()) showTab(b.dataset.tab); });
  // Back/Forward: the screen of that entry, fetched again; signed out, the sign-in screen stays.
  window.addEventListener("popstate", () => {
    if (!signedIn()) return;
    if (!leaveAllowed()) { history.pushState({ desk: true }, "", shown); return; }
    shown = location.hash;
    go(location.hash);
  });
  window.addEventListener("beforeunload", (event) => { if (unsaved && unsaved()) event.preventDefault(); });
  // Signed in (or the page reloaded with a session): the screen of the address, if any.
  document.addEventListener("desk:ready", () => {
    const target = routing.initial;
    routing.initial = null;
    routing.starting = false;
    if (target && !same(target, "#/search")) go(target);
  });
  // Signed out: the address forgets the last screen (earlier entries need a sign-in and show nothing).
  document.addEventListener("desk:cleared", () => {
    routing.initial = null;
    history.replaceState(null, "", location.pathname + location.search);
  });
}
