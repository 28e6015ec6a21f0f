// Referral and transfer parts of the case screen: the receiving desk of a transfer is
// chosen from the list of the other active desks (`GET /api/v1/desks/directory`: agents see only
// their own desks in `/api/v1/desks`), and "a referral is required" leads to the referral form.
import { readPart } from "./api.js";
import { el, focusOn, say, unreadNotice } from "./dom.js";
import { t } from "./i18n.js";
import { deskOf } from "./state.js";
import { refill } from "./unsaved.js";
import "./i18n_desk.js";

/** A <select name="to_desk"> of the other active desks, filled when the directory answers:
 * `select.filled` then resolves; `select.desks` maps each code to its entry ({code, name, country, city}).
 * The directory not loaded (a refusal, no answer): said in the select's place (`unreadNotice`), the
 * select hidden, `select.unread` true and an `unread` event sent to it (no transfer can be sent). */
export function transferDeskSelect(c) {
  const select = el("select", null, { id: "move-desk", name: "to_desk" });
  select.append(el("option", t("pick_desk"), { value: "" }));
  select.desks = new Map();
  select.unread = false;
  select.filled = readPart("/api/v1/desks/directory").then((r) => {
    if (!r.ok) {
      select.unread = true;
      select.hidden = true;
      select.after(unreadNotice());
      select.dispatchEvent(new Event("unread"));
      return;
    }
    refill(select, () => {
      const own = (deskOf(c.desk_id) || {}).code;
      const others = r.body.filter((d) => d.code !== own);
      if (!others.length) select.replaceChildren(el("option", t("no_other_desk"), { value: "" }));
      for (const d of others) {
        select.desks.set(d.code, d);
        select.append(el("option", `${d.name} (${d.code})`, { value: d.code }));
      }
    });
  }).catch(() => {});  // the session ended: the page already says so
  return select;
}

// The purposes whose consent allows a transfer to a desk (the API's rule, app/cases/workflow.py):
// `desk_transfer` to any desk; `transfer_to_senegal` too to a desk in Senegal.
function transferPurposes(desk) {
  return desk && desk.country === "SN" ? ["transfer_to_senegal", "desk_transfer"] : ["desk_transfer"];
}

/** The person's consents the API would accept for a transfer to `desk` (a directory entry, or
 * null before one is chosen): per purpose the latest decision counts (a later refusal or
 * withdrawal ends a grant), and only a grant in force now (not withdrawn, not expired). */
export function transferConsents(consents, desk) {
  const purposes = transferPurposes(desk);
  const now = Date.now();
  const latest = new Map();
  const ordered = (consents || [])
    .filter((x) => purposes.includes(x.purpose) && Date.parse(x.recorded_at) <= now)
    .sort((a, b) => Date.parse(a.recorded_at) - Date.parse(b.recorded_at) || a.id - b.id);
  for (const x of ordered) latest.set(x.purpose, x);
  const inForce = (x) => x.granted && (!x.withdrawn_at || Date.parse(x.withdrawn_at) > now)
    && (!x.expires_at || Date.parse(x.expires_at) > now);
  return [...latest.values()].filter(inForce);
}

/** What the person answered about a referral to the partner `partnerId`, by the API's rule
 * (app/privacy/service.py): a `partner_referral` decision is about the partner whose id it holds (never
 * a name: partners are renamed), the latest recorded one counts. "ok" when it is a grant in force now,
 * "refused" when it is a refusal, else "missing" (none, withdrawn, expired). */
export function referralConsent(consents, partnerId) {
  const now = Date.now();
  const latest = (consents || [])
    .filter((x) => x.purpose === "partner_referral" && x.partner_id === partnerId && Date.parse(x.recorded_at) <= now)
    .sort((a, b) => Date.parse(a.recorded_at) - Date.parse(b.recorded_at) || a.id - b.id)
    .pop();
  if (!latest) return "missing";
  if (!latest.granted) return "refused";
  const inForce = (!latest.withdrawn_at || Date.parse(latest.withdrawn_at) > now)
    && (!latest.expires_at || Date.parse(latest.expires_at) > now);
  return inForce ? "ok" : "missing";
}

/** The statuses a case moves to `referred` from (app/cases/workflow.py TRANSITIONS), once a
 * referral awaits its answer: the API then lists `referred` in the case's allowed_transitions. */
const REFERRED_FROM = ["qualified", "oriented", "in_follow_up"];

/** Where the move form would offer `referred` but no referral awaits its answer yet: a sentence
 * saying so and a button to the referral form `form` (null when none is shown, or no need). */
export function referralShortcut(c, form) {
  if (!form || !REFERRED_FROM.includes(c.status) || c.allowed_transitions.includes("referred")) return null;
  const div = el("div", null, { id: "refer-shortcut" });
  const go = el("button", t("refer_action"), { type: "button", "aria-describedby": "refer-hint" });
  go.addEventListener("click", () => { form.scrollIntoView(); focusOn(form.querySelector("select")); });
  // a hint beside the move, not a message answering it: shown until a referral awaits its answer
  const hint = el("p", null, { id: "refer-hint" });
  hint.append(el("small", t("refer_hint")));
  div.append(hint, go);
  return div;
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
