// Diaspora Desk web client: plain ES modules, no build step, one module per screen.
import { loadDocumentLabels } from "./document_labels.js";
import { $, sayAgain } from "./dom.js";
import { checkForms } from "./form_checks.js";
import { i18n, translatePage } from "./i18n.js";
import { initSearch } from "./search.js";
import { initSession } from "./session.js";
import { initTabs, mayLeave } from "./tabs.js";
import { modifiedForms } from "./unsaved.js";
import { keepWordsWhole } from "./whole_words.js";

// The other screens load once the search screen is up, not competing with the sign-in requests;
// the document words the API gives come with them, before any screen draws a document.
let loaded;
const screens = new Promise((resolve) => { loaded = resolve; });
// Until its module is there a form is not validated by the browser: a click on a field its module
// fills (a report's period) would otherwise stop at "required" and never be sent.
const waiting = [...document.querySelectorAll("form[data-wait]")];
for (const form of waiting) form.noValidate = true;
document.addEventListener("desk:ready", () => {
  Promise.all([import("./screens.js"), loadDocumentLabels()]).then(([module]) => {
    module.initScreens();
    for (const form of waiting) form.noValidate = false;
    loaded();
  });
}, { once: true });

// A form whose module has not arrived yet must not submit natively (its fields would go in the
// URL): it is sent, validated, once the module is there.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.hasAttribute("data-wait")) return;
  event.preventDefault();
  screens.then(() => form.requestSubmit());
}, true);

// The screens drawn again in the other language (screens.js `redraw`): what is typed there would go,
// so switching asks first; the others only have their words changed, their forms kept. The case
// screen is drawn again with what was typed in its forms put back (case.js `openCase`, `carry`),
// and so is a file's form marked `data-carry` (a case being opened, a booking: person.js): only
// input in another form of the file (an edit, a consent, a document) is asked about.
const REDRAWN = ["tab-person", "tab-cases", "tab-day", "tab-reports", "tab-imports", "tab-admin"];

function asksFirst(screen) {
  if (!screen || !REDRAWN.includes(screen.id)) return false;
  return screen.id !== "tab-person" || modifiedForms(screen).some((form) => !form.hasAttribute("data-carry"));
}

function switchLanguage() {
  i18n.lang = i18n.lang === "fr" ? "en" : "fr";
  sessionStorage.setItem("lang", i18n.lang);
  translatePage();
  $("#lang").lang = i18n.lang === "fr" ? "en" : "fr";
  sayAgain(); // the screen's refusals in the new language, other messages gone
  document.dispatchEvent(new Event("desk:language")); // the open screen is drawn again in the new language
}

$("#lang").addEventListener("click", () => {
  const allowed = asksFirst($(".tab:not([hidden])")) ? mayLeave() : true;
  if (allowed === true) switchLanguage();
  else allowed.then((leave) => { if (leave) switchLanguage(); });
});

translatePage();
checkForms();
keepWordsWhole();
initTabs();
initSearch();
initSession();

