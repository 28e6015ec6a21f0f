// The administration screen (administrators only: its tab is shown to them alone, and the API
// refuses the others anyway): staff accounts, desks (opening hours, holidays) and the service
// catalogue, one section at a time. Loaded when its tab is first opened, so no other role fetches it.
import "./i18n_admin.js";
import { $, el, focusOn } from "./dom.js";
import { t } from "./i18n.js";
import { failed } from "./admin_common.js";
import { loadStaff } from "./admin_staff.js";
import { loadDesks } from "./admin_desks.js";
import { loadServices } from "./admin_services.js";

const SECTIONS = [["staff", "admin_staff", loadStaff], ["desks", "admin_desks", loadDesks], ["services", "admin_services", loadServices]];
let current = "staff";

function draw(focus = false) {
  const view = $("#admin");
  const choices = el("div", null, { class: "subnav", role: "group", "aria-label": t("admin_sections") });
  for (const [name, word] of SECTIONS) {
    const button = el("button", t(word), { type: "button", class: "secondary", "aria-pressed": String(name === current) });
    button.addEventListener("click", () => { current = name; draw(true); });
    choices.append(button);
  }
  const [, word, load] = SECTIONS.find(([name]) => name === current);
  const panel = el("section", null, { id: `admin-${current}`, "aria-labelledby": `admin-${current}-title` });
  panel.append(el("h2", t(word), { id: `admin-${current}-title` }));
  view.replaceChildren(choices, panel);
  if (focus) focusOn(panel.querySelector("h2"));
  load(panel).catch((error) => failed($("#admin-msg"), error));
}

/** Open the administration screen on the section last chosen (staff accounts at first). */
export function openAdmin() { draw(); }

document.addEventListener("desk:language", () => { if (!$("#tab-admin").hidden) draw(); });
document.addEventListener("desk:cleared", () => { current = "staff"; });
