// Staff accounts (administrators): the list with role, desks and whether active; a new account
// (e-mail, full name, role, initial password, desks); a change of name, e-mail, password, role or desks sent with the
// If-Match of the account as read when its form opened (412: read again, the choices kept);
// deactivation and reactivation with the ETag of the account as listed (412: the list read again,
// said, nothing switched). A change is cancelled by "Annuler". The API's refusals (409 last administrator, e-mail taken, a
// closed desk; 422 field errors) are said next to the form or the row.
import { api, readAsShown } from "./api.js";
import { busy, cancelButton, el, focusOn, say, unreadNotice } from "./dom.js";
import { code, colon, t } from "./i18n.js";
import { failed, field, listAll, messageBox, refuse, rowWords } from "./admin_common.js";
import { carrySnapshot } from "./unsaved.js";

const ROLES = ["agent", "supervisor", "admin", "auditor"];

function roleSelect(id, value) {
  const select = el("select", null, { id, name: "role" });
  for (const role of ROLES) select.append(el("option", code(role), { value: role }));
  select.value = value;
  return [el("label", t("staff_role"), { for: id }), select];
}

// The desks as checkboxes (`desk`), in a fieldset named as the API's field (`desk_codes`) so that
// a refusal marks it; a closed desk is offered only to an account that already has it. `desks`
// null: they could not be read (a refusal, no answer), said in the boxes' place.
function deskBoxes(desks, held) {
  const set = el("fieldset", null, { name: "desk_codes" });
  set.append(el("legend", t("staff_desks")));
  if (!desks) set.append(unreadNotice("staff_desks_unread"));
  for (const d of desks || []) {
    if (!d.is_active && !held.includes(d.code)) continue;
    const label = el("label", null, { class: "inline" });
    const box = el("input", null, { type: "checkbox", name: "desk", value: d.code });
    box.checked = held.includes(d.code);
    label.append(box, el("span", `${d.name} (${d.code})`));
    set.append(label);
  }
  return set;
}

const chosenDesks = (form) => new FormData(form).getAll("desk").map(String);

// The roles that read every desk and belong to none: the API refuses them desks
// (`field-not-applicable` at `desk_codes`, app/users/service.py), so their boxes are not offered.
const READS_ALL_DESKS = ["auditor"];

// The roles that work at a desk: the API refuses their accounts without one (`desk-required`).
const AT_A_DESK = ["agent", "supervisor"];

// An agent or a supervisor works at their desks: with none ticked, the form says so once it is
// being filled in (a field typed in or changed: a new account's empty form, drawn again under
// « Compte créé. » after an auditor's, says nothing of an account no one has begun) and is not sent
// (the first box stands for the group in the browser's check, said in the form's message box:
// form_checks.js). An auditor's form offers no desks (hidden and disabled: none sent) and says why.
function deskWarning(form, unread = false, begun = false) {
  const note = el("p", t("staff_desk_needed"), { class: "note", role: "status" });
  const none = el("p", t("staff_desks_all"), { class: "note" });
  const check = () => {
    const role = String(form.elements.namedItem("role").value);
    const set = form.elements.namedItem("desk_codes");
    set.disabled = set.hidden = READS_ALL_DESKS.includes(role);
    none.hidden = !set.hidden;
    const data = new FormData(form);
    const needed = !unread && AT_A_DESK.includes(role) && data.getAll("desk").length === 0;
    note.hidden = !needed || !begun;
    const first = set.querySelector("input[type=checkbox]");
    if (first) {
      first.dataset.byGroup = "1";
      first.setCustomValidity(needed ? t("staff_desk_required") : "");
    }
  };
  const begin = () => { begun = true; check(); };
  form.addEventListener("input", begin);
  form.addEventListener("change", begin);
  form.elements.namedItem("desk_codes").after(none);
  check();
  return note;
}

// `desks` null: they could not be read; the form says so in their place, and an agent's or a
// supervisor's account, which needs one, is not sent (said why) — an administrator's, which needs
// none, is.
function newAccountForm(desks, reload) {
  const form = el("form", null, { id: "staff-form-new", class: "admin-form" });
  const box = messageBox();
  form.append(
    ...field("staff-email-new", "email", t("staff_email"), { type: "email", required: true }),
    ...field("staff-name-new", "full_name", t("staff_name"), { required: true }),
    ...roleSelect("staff-role-new", "agent"),
    ...field("staff-password-new", "password", t("staff_password"), { type: "password", required: true, autocomplete: "new-password" }),
    deskBoxes(desks, []),
  );
  form.append(deskWarning(form, !desks));
  const submit = el("button", t("staff_create"), { type: "submit" });
  form.append(box, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const data = new FormData(form);
      if (!desks && AT_A_DESK.includes(String(data.get("role")))) {
        form.elements.namedItem("desk_codes").setAttribute("aria-invalid", "true");
        say(box, t("staff_desks_unread_blocked"));
        return focusOn(box);
      }
      const body = {
        email: String(data.get("email")).trim(), full_name: String(data.get("full_name")),
        role: data.get("role"), password: String(data.get("password")), desk_codes: chosenDesks(form),
      };
      try {
        // Not keyed: the e-mail is unique, a resend after a lost answer is refused (409), never doubled.
        const r = await api("POST", "/api/v1/users", { json: body });
        if (!r.ok) return refuse(box, r, form);
        form.elements.namedItem("password").value = "";
        return reload(t("staff_created"));
      } catch (error) {
        return failed(box, error);
      }
    });
  });
  return form;
}

// The change of an account: its name and e-mail corrected, a new password set (left empty: kept),
// its role and desks; only what changed is sent. `read`: the account as read ({body, etag}),
// `opener`: the row's button that opened it, `choice`: what the administrator had chosen when a 412
// made it read again (a password typed is not kept across it).
function editForm(read, desks, opener, reload, choice = null) {
  const u = read.body;
  const form = el("form", null, { id: `staff-form-${u.id}`, class: "admin-form" });
  const box = messageBox();
  form.append(
    ...field(`staff-name-${u.id}`, "full_name", t("staff_name"), { required: true, value: (choice && choice.full_name) || u.full_name }),
    ...field(`staff-email-${u.id}`, "email", t("staff_email"), { type: "email", required: true, value: (choice && choice.email) || u.email }),
    ...field(`staff-password-${u.id}`, "password", t("staff_password_new"), { type: "password", autocomplete: "new-password" }),
    ...roleSelect(`staff-role-${u.id}`, choice ? choice.role : u.role), deskBoxes(desks, choice ? choice.desk_codes : u.desk_codes),
  );
  form.append(deskWarning(form, !desks, true));
  const submit = el("button", t("staff_save"), { type: "submit" });
  form.append(box, submit, " ", cancelButton(opener));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const data = new FormData(form);
      const body = { role: data.get("role") };
      if (desks) body.desk_codes = chosenDesks(form);  // desks unread: the account's own are kept
      const fullName = String(data.get("full_name")).trim();
      const email = String(data.get("email")).trim();
      if (fullName !== u.full_name) body.full_name = fullName;
      if (email !== u.email) body.email = email;
      if (data.get("password")) body.password = String(data.get("password"));
      try {
        const r = await api("PATCH", `/api/v1/users/${u.id}`, { json: body, headers: { "If-Match": read.etag } });
        if (r.status === 412) {
          const again = await api("GET", `/api/v1/users/${u.id}`);
          if (!again.ok) return refuse(box, again);
          const fresh = editForm(again, desks, opener, reload, body);
          form.replaceWith(fresh);
          carrySnapshot(form, fresh);  // what was chosen is still not saved
          const note = fresh.querySelector(".msg");
          say(note, t("staff_changed"), "warning");
          return focusOn(note);
        }
        if (!r.ok) return refuse(box, r, form);
        return reload(t("staff_saved"));
      } catch (error) {
        return failed(box, error);
      }
    });
  });
  return form;
}

function accountRow(u, desks, reload) {
  const li = el("li", null, { "data-user": u.id });
  const box = messageBox();
  const where = u.desk_codes.length ? u.desk_codes.join(", ") : t("staff_no_desk");
  li.append(rowWords(u.full_name, `${u.email} · ${code(u.role)} · ${where} · ${t(u.is_active ? "staff_active" : "staff_inactive")}`));
  const edit = el("button", t("staff_edit"), { type: "button", class: "secondary", "aria-label": `${t("staff_edit")}${colon()}${u.full_name}` });
  edit.addEventListener("click", () => busy(edit, async () => {
    try {
      const read = await api("GET", `/api/v1/users/${u.id}`);
      if (!read.ok) return refuse(box, read);
      const form = editForm(read, desks, edit, reload);
      edit.hidden = true;
      li.append(form);
      return focusOn(form.elements.namedItem("role"));
    } catch (error) {
      return failed(box, error);
    }
  }));
  const toggleWord = u.is_active ? "staff_deactivate" : "staff_reactivate";
  const toggle = el("button", t(toggleWord), { type: "button", class: "secondary", "aria-label": `${t(toggleWord)}${colon()}${u.full_name}` });
  toggle.addEventListener("click", () => busy(toggle, async () => {
    try {
      // The ETag of the account as the list shows it: one changed meanwhile is drawn again, not
      // switched unseen.
      const read = await readAsShown(`/api/v1/users/${u.id}`, u);
      const r = read.ok
        ? await api("PATCH", `/api/v1/users/${u.id}`, { json: { is_active: !u.is_active }, headers: { "If-Match": read.etag } })
        : read;
      if (r.status === 412) return reload(t("staff_list_changed"), "warning");
      if (!r.ok) return refuse(box, r);
      return reload(t(u.is_active ? "staff_deactivated" : "staff_reactivated"));
    } catch (error) {
      return failed(box, error);
    }
  }));
  li.append(" ", edit, " ", toggle, box);
  return li;
}

/** Draw the staff accounts in `panel` (an empty section with its heading); `done`: a sentence to
 * say first (the change just saved). */
export async function loadStaff(panel, done = "", tone = "ok") {
  const box = messageBox("staff-msg");
  const intro = el("p", t("staff_intro"));
  const heading = panel.querySelector("h2");
  panel.replaceChildren(heading, intro, box);
  const reload = (sentence, again = "ok") => loadStaff(panel, sentence, again);
  const [users, desks] = await Promise.all([listAll("/api/v1/users"), listAll("/api/v1/desks")]);
  if (!users.ok) return panel.append(unreadNotice());  // a refusal, no answer: said in the list's place
  const deskList = desks.ok ? desks.items : null;  // unread: said in the forms' desk boxes
  const list = el("ul", null, { class: "list", id: "staff-list" });
  for (const u of users.items) list.append(accountRow(u, deskList, reload));
  if (!users.items.length) list.append(el("li", t("staff_none")));
  const adding = el("section", null, { "aria-labelledby": "staff-add-title" });
  adding.append(el("h3", t("staff_add"), { id: "staff-add-title" }), newAccountForm(deskList, reload));
  panel.append(list, adding);
  if (done) {
    say(box, done, tone);
    focusOn(box);
  }
  return undefined;
}
