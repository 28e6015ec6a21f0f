// Referral and transfer parts of the case screen: the receiving desk of a transfer is
// chosen from the list of the other active desks (`GET /api/v1/desks/directory`: agents see only
// their own desks in `/api/v1/desks`), and "a referral is required" leads to the referral form.
import { api } from "./api.js";
import { el, focusOn, say } from "./dom.js";
import { t } from "./i18n.js";
import { deskOf } from "./state.js";
import "./i18n_desk.js";

/** A <select name="to_desk"> of the other active desks (filled when the directory answers). */
export function transferDeskSelect(c) {
  const select = el("select", null, { id: "move-desk", name: "to_desk" });
  select.append(el("option", t("pick_desk"), { value: "" }));
  api("GET", "/api/v1/desks/directory").then((r) => {
    const own = (deskOf(c.desk_id) || {}).code;
    const others = (r.ok ? r.body : []).filter((d) => d.code !== own);
    if (!others.length) select.replaceChildren(el("option", t("no_other_desk"), { value: "" }));
    for (const d of others) select.append(el("option", `${d.name} (${d.code})`, { value: d.code }));
  }).catch(() => {});
  return select;
}

/** After a refused status change: a pending referral is required → a plain sentence and a button to the form. */
export function explainProblem(problem, box) {
  if (!problem || problem.type !== "/problems/referral-required") return false;
  say(box, t("referral_first"), "warning");
  const form = document.getElementById("referral-form");
  if (form) {
    const go = el("button", t("go_referral"), { type: "button", class: "link" });
    go.addEventListener("click", () => { form.scrollIntoView(); focusOn(form.querySelector("select")); });
    box.append(" ", go);
  }
  focusOn(box);
  return true;
}
