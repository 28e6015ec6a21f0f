// The screens after the search: loaded in the background once the login and search screens work,
// so a slow connection first fetches only what the first screen needs.
import { initAppointments } from "./appointments.js";
import { initPerson } from "./person.js";
import { initQueue, loadQueue } from "./queue.js";
import { initImports, loadBatches } from "./imports.js";
import { initRegister } from "./register.js";
import { initReports } from "./reports.js";
import { onTab } from "./tabs.js";
import { $, $$ } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

// After a change of language: what the agent is looking at, fetched and drawn again in it.
async function redraw() {
  for (const select of $$(".desk-options[data-any]")) if (select.options[0]) select.options[0].textContent = t("any");
  const open = ($(".tab:not([hidden])") || {}).id;
  if (open === "tab-person" && state.person) (await import("./person.js")).openPerson(state.person.record.id);
  if (open === "tab-case" && state.caseView) (await import("./case.js")).openCase(state.caseView.case.id);
  if (open === "tab-cases" && $("#cases").children.length) loadQueue();
  if (open === "tab-day" && $("#day-list").children.length) (await import("./appointments.js")).loadDay();
  if (open === "tab-day" && $("#week").children.length) (await import("./appointments.js")).loadWeek();
  if (open === "tab-imports") loadBatches();
  if (open === "tab-imports" && $("#import-report").children.length) $("#import-form").requestSubmit();
  if (open === "tab-reports" && $("#reports").children.length) $("#reports-form").requestSubmit();
  if (open === "tab-search" && $("#results").children.length) $("#search-form").requestSubmit();
}

export function initScreens() {
  initPerson();
  initRegister();
  initQueue();
  initAppointments();
  initReports();
  initImports();
  onTab("cases", () => loadQueue());
  onTab("imports", () => loadBatches());
  document.addEventListener("desk:language", redraw);
  // A tab opened before this module arrived (slow link) gets its list now.
  const open = ($(".tab:not([hidden])") || {}).id;
  if (open === "tab-imports") loadBatches();
  if (open === "tab-cases") loadQueue();
}
