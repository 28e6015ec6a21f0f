// The screens after the search: loaded in the background once the login and search screens work,
// so a slow connection first fetches only what the first screen needs.
import "./i18n_more.js"; // the words of these screens, first
import { initAppointments, loadDay, loadWeek } from "./appointments.js";
import { initPerson } from "./person.js";
import { initQueue, loadQueue } from "./queue.js";
import { initImports, loadBatches } from "./imports.js";
import { initRegister } from "./register.js";
import { initPartners, loadPartners } from "./partners.js";
import { initReports } from "./reports.js";
import { onTab } from "./tabs.js";
import { $, $$, say } from "./dom.js";
import { t } from "./i18n.js";
import { drawResults } from "./search.js";
import { state } from "./state.js";

// After a change of language: what the agent is looking at is fetched and drawn again in it; the
// other screens holding words of the former language are drawn again when next opened.
const stale = new Set();

async function redraw() {
  for (const select of $$(".desk-options[data-any]")) if (select.options[0]) select.options[0].textContent = t("any");
  drawResults();
  const open = ($(".tab:not([hidden])") || {}).id;
  if (open === "tab-person" && state.person) (await import("./person.js")).openPerson(state.person.record.id, "", "ok", { carry: true });
  if (open === "tab-case" && state.caseView) (await import("./case.js")).openCase(state.caseView.case.id, "", { carry: true });
  for (const name of ["cases", "day", "reports", "imports"]) {
    if (open === `tab-${name}`) refresh(name);
    else stale.add(name);
  }
}

function refresh(name) {
  if (name === "cases" && $("#cases").children.length) loadQueue();
  if (name === "cases") loadReviews();
  if (name === "day" && $("#day-list").children.length) loadDay();
  if (name === "day" && $("#week").children.length) loadWeek();
  if (name === "reports" && $("#reports").children.length) $("#reports-form").requestSubmit();
  if (name === "imports") loadBatches();
  if (name === "imports" && $("#import-report").children.length) $("#import-form").requestSubmit();
}

// Supervisors' approvals beside the queues (merges, messages in doubt): fetched with that screen.
function loadReviews() {
  import("./reviews.js").then((module) => module.loadReviews()).catch((error) => say($("#merge-reviews-msg"), error.message));
}

function onOpen(name) {
  onTab(name, () => { if (stale.delete(name)) refresh(name); });
}

// Supervisors, administrators and auditors: the data-protection screen's module, fetched when its tab opens.
function openPrivacy() {
  import("./privacy.js").then((module) => module.openPrivacy()).catch((error) => say($("#privacy-msg"), error.message));
}

function openAdmin() {
  import("./admin.js").then((module) => module.openAdmin()).catch((error) => say($("#admin-msg"), error.message));
}

export function initScreens() {
  initPerson();
  initRegister();
  initQueue();
  initAppointments();
  initReports();
  initImports();
  initPartners();
  onTab("cases", () => { stale.delete("cases"); loadQueue(); loadReviews(); });
  onTab("imports", () => { if (stale.delete("imports") && $("#import-report").children.length) $("#import-form").requestSubmit(); loadBatches(); });
  // Administrators only: their screen's module is fetched when its tab opens.
  onTab("admin", () => { openAdmin(); });
  onTab("privacy", () => { openPrivacy(); });
  onOpen("day");
  onOpen("reports");
  document.addEventListener("desk:language", redraw);
  // A tab opened before this module arrived (slow link) gets its list now.
  const open = ($(".tab:not([hidden])") || {}).id;
  if (open === "tab-imports") loadBatches();
  if (open === "tab-cases") { loadQueue(); loadReviews(); }
  if (open === "tab-partners") loadPartners();
  if (open === "tab-admin") openAdmin();
  if (open === "tab-privacy") openPrivacy();
}
