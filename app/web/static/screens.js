// The screens after the search: loaded in the background once the login and search screens work,
// so a slow connection first fetches only what the first screen needs.
import { initAppointments } from "./appointments.js";
import { initPerson } from "./person.js";
import { initQueue, loadQueue } from "./queue.js";
import { initImports } from "./imports.js";
import { initRegister } from "./register.js";
import { initReports } from "./reports.js";
import { onTab } from "./tabs.js";

export function initScreens() {
  initPerson();
  initRegister();
  initQueue();
  initAppointments();
  initReports();
  initImports();
  onTab("cases", () => loadQueue());
}
