// The person's online account on their file (« Compte en ligne », docs/self-service.md): after
// checking the person's identity document at the counter, the agent issues a link code
// (POST /registrants/{id}/self-service/link-codes) shown large to read out or print on the receipt
// with its expiry in the desk's time; the accounts linked to the file (GET …/accounts: address
// partly masked, linked when, last sign-in) and unlinking one after a question (DELETE …/{id}).
// Agents, supervisors and administrators only: the API answers auditors 403.
import { api, problemLines, readPart, SessionExpired } from "./api.js";
import { busy, confirmButton, el, focusOn, say, sayLines, unreadNotice } from "./dom.js";
import { colon, i18n, t } from "./i18n.js";
import { deskTime, state } from "./state.js";
import { printReceipt } from "./receipt.js";
import "./i18n_account.js";

export const LINKING_ROLES = ["agent", "supervisor", "admin"];

/** A link code as read out: two groups of five (`7K3QX-9M2PD`; the app ignores the dash). */
export function codeText(code) {
  return code.length === 10 ? `${code.slice(0, 5)}-${code.slice(5)}` : code;
}

/** The link code issued on this page for `person` and not yet expired, or null. Kept for the
 * session (state.js forgets it at sign-out): the API shows a code only once, so a file drawn again
 * (another language, a save) still shows it. */
export function issuedCode(person) {
  const issued = (state.linkCodes || {})[person.id];
  return issued && new Date(issued.expires_at) > new Date() ? issued : null;
}

function accountLine(a, deskId) {
  const when = (iso) => deskTime(iso, deskId, i18n.lang);
  return [
    `${a.identifier_masked} (${t(a.kind === "email" ? "account_kind_email" : "account_kind_phone")})`,
    a.linked_at ? t("account_linked_at", { when: when(a.linked_at) }) : null,
    a.last_sign_in_at ? t("account_last_sign_in", { when: when(a.last_sign_in_at) }) : t("account_never_signed_in"),
  ].filter(Boolean).join(" · ");
}

function codeBox(person, issued) {
  const box = el("div", null, { class: "link-code", id: "link-code" });
  box.append(
    el("p", t("link_code_given")),
    el("p", codeText(issued.code), { class: "link-code-value mono", id: "link-code-value", "aria-label": t("link_code_spelled", { code: [...issued.code].join(" ") }) }),
    el("p", t("link_code_expires", { when: deskTime(issued.expires_at, person.desk_id, i18n.lang) }), { id: "link-code-expiry" }),
    el("p", t("link_code_how")),
  );
  const print = el("button", t("link_code_print"), { type: "button", class: "secondary", id: "print-link-code" });
  print.addEventListener("click", () => printReceipt(state.person.record, state.person.extra || {}, print));
  if (state.person && state.person.record.id === person.id) box.append(print);
  return box;
}

function issueForm(person, redraw) {
  const form = el("form", null, { id: "link-code-form" });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const checkId = "link-code-checked";
  const check = el("input", null, { type: "checkbox", id: checkId, name: "identity_checked", required: "" });
  const label = el("label", null, { class: "inline", for: checkId });
  label.append(check, el("span", t("link_code_check")));
  const submit = el("button", t(issuedCode(person) ? "link_code_again" : "link_code_issue"), { type: "submit" });
  form.append(el("h3", t("link_code_title")), el("p", t("link_code_intro"), { id: "link-code-intro" }), label, submit, box);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        const r = await api("POST", `/api/v1/registrants/${person.id}/self-service/link-codes`);
        if (r.ok) {
          state.linkCodes = { ...(state.linkCodes || {}), [person.id]: { code: r.body.code, expires_at: r.body.expires_at } };
          return redraw(t("link_code_issued"), "#link-code-value");
        }
        sayLines(box, problemLines(r.body, form));
      } catch (error) {
        // no key to keep: a code is never replayed, and a new one revokes the earlier ones
        if (!(error instanceof SessionExpired)) say(box, error.message);
      }
      return focusOn(box);
    });
  });
  return form;
}

/** The « Compte en ligne » section of `person`'s file, or null for a role the API refuses or an
 * erased file (its accounts were deleted with it). */
export async function onlineAccountSection(person) {
  if (!state.me || !LINKING_ROLES.includes(state.me.role) || person.anonymised_at) return null;
  const s = el("section", null, { id: "online-account" });
  const redraw = async (message = "", focus = null, tone = "ok") => {
    const r = await readPart(`/api/v1/registrants/${person.id}/self-service/accounts`);
    const status = el("p", null, { class: "msg", role: "status", hidden: "" });
    const parts = [el("h2", t("online_account")), el("p", t("online_account_intro")), status];
    const issued = issuedCode(person);
    if (issued) parts.push(codeBox(person, issued));
    parts.push(issueForm(person, redraw), el("h3", t("accounts_linked")));
    if (!r.ok) parts.push(unreadNotice("list_unread", "p", r));
    else if (!r.body.length) parts.push(el("p", t("accounts_none"), { id: "accounts-none" }));
    else {
      const ul = el("ul", null, { class: "plain", id: "linked-accounts" });
      for (const a of r.body) {
        const li = el("li");
        const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
        const unlink = confirmButton({
          label: t("account_unlink"), name: `${t("account_unlink")}${colon()}${a.identifier_masked}`,
          question: t("account_unlink_question", { account: a.identifier_masked }), yes: t("account_unlink_yes"), no: t("account_unlink_no"),
        }, async () => {
          try {
            const done = await api("DELETE", `/api/v1/registrants/${person.id}/self-service/accounts/${a.id}`);
            if (done.ok) return redraw(t("account_unlinked", { account: a.identifier_masked }));
            // unlinked meanwhile (another tab, a colleague): the list as it is now, said
            if (done.status === 404) return redraw(t("account_unlinked_meanwhile", { account: a.identifier_masked }), null, "warning");
            sayLines(box, problemLines(done.body));
          } catch (error) {
            if (!(error instanceof SessionExpired)) say(box, error.message);
          }
          return focusOn(box);
        });
        li.append(el("span", accountLine(a, person.desk_id)), unlink, box);
        ul.append(li);
      }
      parts.push(ul);
    }
    s.replaceChildren(...parts);
    if (message) { say(status, message, tone); focusOn(focus ? s.querySelector(focus) || status : status); }
  };
  await redraw();
  return s;
}
