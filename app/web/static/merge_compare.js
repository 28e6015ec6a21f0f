// The comparison before a merge and the merge (or its proposal): the two files side by side
// (GET /registrant-merges/preview: the fields whose values differ, what would move, both ETags,
// whether a supervisor approves), which file is kept, for each field that differs the value kept,
// then POST /registrant-merges with both ETags. A file changed meanwhile (412) is compared again,
// the choices and note kept; the Idempotency-Key is kept until the merge is confirmed.
import { api, keyFor, sent, SessionExpired } from "./api.js";
import { $$, busy, el, focusOn, say, sayLines, scrollingTable } from "./dom.js";
import { code, colon, t } from "./i18n.js";
import { state } from "./state.js";
import { loadAreas } from "./areas.js";
import { phoneText } from "./identity_fields.js";
import { DECIDING_ROLES, fieldText, movesText, overLimitLines, refusalLines, survivorButton, valueText } from "./merge_common.js";

const SHOWN = ["given_names", "family_name", "name_arabic", "sex", "date_of_birth", "place_of_birth", "nationality", "origin_region_code",
  "host_city", "email", "languages", "status_category", "occupation", "arrival_date"];

const nameOf = (p) => `${p.given_names} ${p.family_name}`;
const documentsText = (p) => p.documents.map((d) => `${code(d.doc_type)} ${d.number}`).join(", ") || t("empty");

/** The two files side by side: number, the identity fields either holds, phones and documents. */
function sideBySide(mine, other) {
  const table = el("table", null, { class: "merge-compare" });
  table.append(el("caption", t("merge_compare_title")));
  const head = el("tr");
  head.append(el("td"), el("th", t("merge_this_file"), { scope: "col" }), el("th", t("merge_other_file"), { scope: "col" }));
  table.append(head);
  // `tokens`: numbers without spaces (phones, documents) part anywhere rather than widen a phone's screen
  const row = (label, a, b, tokens = false) => {
    const tr = el("tr", null, { class: `${a === b ? "" : "differs"}${tokens ? " tokens" : ""}`.trim() });
    tr.append(el("th", label, { scope: "row" }), el("td", a), el("td", b));
    table.append(tr);
  };
  row(t("registration_number"), mine.registration_number, other.registration_number);
  for (const f of SHOWN) {
    const [a, b] = [valueText(f, mine[f]), valueText(f, other[f])];
    if (a !== t("empty") || b !== t("empty")) row(fieldText(f), a, b);  // a field neither file holds: no row
  }
  row(t("phones"), mine.phones.map(phoneText).join(", ") || t("empty"), other.phones.map(phoneText).join(", ") || t("empty"), true);
  row(t("documents"), documentsText(mine), documentsText(other), true);
  return table;
}

/** One fieldset per field that differs: the value of either file to keep (`choices`: field → file id). */
function choiceFields(preview, files, choices) {
  const box = el("div", null, { class: "merge-choices" });
  if (!preview.conflicts.length) box.append(el("p", t("merge_no_conflict")));
  const supervisor = DECIDING_ROLES.includes(state.me.role);
  for (const c of preview.conflicts) {
    const group = el("fieldset", null, { "data-field": c.field });
    group.append(el("legend", t("merge_choose", { field: fieldText(c.field) })));
    // An agent neither reads the residence status nor takes it from the merged file (403): the kept file's stays.
    const hidden = c.field === "residence_status" && !supervisor;
    if (hidden) choices[c.field] = files.survivor.id;
    for (const side of hidden ? ["survivor"] : ["survivor", "merged"]) {
      const file = files[side];
      const label = el("label", null, { class: "inline" });
      const input = el("input", null, { type: "radio", name: `keep-${c.field}`, value: file.id });
      input.checked = choices[c.field] === file.id;
      input.addEventListener("change", () => { choices[c.field] = file.id; });
      const empty = c[side] === null || c[side] === "" || (Array.isArray(c[side]) && !c[side].length);
      const value = hidden ? t("merge_residence_hidden") : empty ? t("merge_no_value") : valueText(c.field, c[side]);
      label.append(input, el("span", t("merge_value_of", { value, number: file.registration_number })));
      group.append(label);
    }
    group.append(el("p", null, { class: "field-error", hidden: "" }));
    box.append(group);
  }
  return box;
}

/** The fieldsets of `fields` marked (the API's `missing`, or a restricted field) with `sentence` next to them. */
function markChoices(form, fields, sentence) {
  for (const group of $$("fieldset[data-field]", form)) {
    const wrong = fields.includes(group.dataset.field);
    for (const input of $$("input", group)) {
      if (wrong) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    const error = group.querySelector(".field-error");  // said next to the field, kept apart from the alert
    error.textContent = wrong ? sentence : "";
    error.hidden = !wrong;
  }
  const first = $$("fieldset[data-field] input[aria-invalid]", form)[0];
  if (first) focusOn(first);
}

/**
 * The comparison of `mine` (the open file) with file `otherId`, drawn in `host`; `open(id, message)`
 * opens a file (the survivor once merged, the open file once proposed).
 */
export async function compareFiles(host, current, otherId, open) {
  let mine = current;
  const box = el("div", null, { class: "msg", role: "alert", hidden: "" });
  const r = await api("GET", `/api/v1/registrants/${otherId}`);
  if (!r.ok || r.body.id !== otherId) {  // a file merged meanwhile answers its survivor (301)
    host.replaceChildren(box);
    sayLines(box, r.ok ? [t("merge_refused_merged")] : refusalLines(r));
    return focusOn(box);
  }
  await loadAreas(r.body.origin_region_code || mine.origin_region_code);
  let other = r.body;
  const view = { survivor: mine.id, choices: {}, note: "" };
  const draw = async (notice = null, keepFocus = false) => {
    const ids = view.survivor === mine.id ? [mine.id, other.id] : [other.id, mine.id];
    const p = await api("GET", `/api/v1/registrant-merges/preview?survivor_id=${ids[0]}&merged_id=${ids[1]}`);
    const files = view.survivor === mine.id ? { survivor: mine, merged: other } : { survivor: other, merged: mine };
    if (!p.ok) {
      host.replaceChildren(scrollingTable(sideBySide(mine, other)), box);
      sayLines(box, refusalLines(p, { numbers: { survivor: files.survivor.registration_number, merged: files.merged.registration_number } }));
      const go = survivorButton(p, (id) => open(id));
      if (go) box.append(go);
      return focusOn(box);
    }
    const form = el("form", null, { id: "merge-form" });
    const keep = el("fieldset");
    keep.append(el("legend", t("merge_keep")));
    for (const file of [mine, other]) {
      const label = el("label", null, { class: "inline" });
      const input = el("input", null, { type: "radio", name: "survivor", value: file.id });
      input.checked = view.survivor === file.id;
      input.addEventListener("change", () => { view.survivor = file.id; view.note = note.value; draw(null, true); });
      label.append(input, el("span", t("merge_keep_file", { number: file.registration_number, name: nameOf(file) })));
      keep.append(label);
    }
    const moved = movesText(p.body.moves);
    const note = el("textarea", null, { id: "merge-note", name: "note", rows: "2" , "data-max": "2000" });
    note.value = view.note;
    const submit = el("button", t(p.body.approval_required ? "merge_propose" : "merge_do"), { type: "submit" });
    form.append(keep, choiceFields(p.body, { survivor: { ...files.survivor, ...p.body.survivor }, merged: { ...files.merged, ...p.body.merged } }, view.choices),
      el("p", t("merge_lists_joined")), el("p", `${t("merge_moves")}${colon()}${moved || t("merge_moves_none")}`));
    for (const line of overLimitLines(p.body.over_limit)) form.append(el("p", line, { class: "msg warning" }));
    if (p.body.approval_required) form.append(el("p", t("merge_needs_approval"), { class: "msg info" }));
    form.append(el("label", t("merge_note"), { for: "merge-note" }), note, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(submit, async () => {
        view.note = note.value;
        const choices = {};
        for (const [field, id] of Object.entries(view.choices)) {
          if (p.body.conflicts.some((c) => c.field === field)) choices[field] = id === files.survivor.id ? "survivor" : "merged";
        }
        const body = { survivor_id: files.survivor.id, merged_id: files.merged.id, survivor_etag: p.body.survivor.etag,
          merged_etag: p.body.merged.etag, choices, ...(note.value.trim() ? { note: note.value.trim() } : {}) };
        const slot = `merge:${files.survivor.id}:${files.merged.id}`;
        try {
          const done = await api("POST", "/api/v1/registrant-merges", { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
          if (done.status === 412) {  // both files read again: the comparison shows what they hold now
            const [a, b] = await Promise.all([api("GET", `/api/v1/registrants/${mine.id}`), api("GET", `/api/v1/registrants/${other.id}`)]);
            if (a.ok && a.body.id === mine.id) mine = a.body;
            if (b.ok && b.body.id === other.id) other = b.body;
            return draw(t("merge_stale"));
          }
          if (done.status === 201 || done.status === 202) {
            sent(slot);
            return done.status === 201
              ? open(files.survivor.id, t("merge_done", { number: files.merged.registration_number }))
              : open(mine.id, t("merge_proposed_msg"));
          }
          const type = String((done.body || {}).type || "");
          if (type.endsWith("/merge-choices-missing")) { sayLines(box, [t("merge_choose_missing")]); return markChoices(form, done.body.missing || [], t("merge_choose_missing")); }
          if (type.endsWith("/restricted-field")) { sayLines(box, [t("merge_restricted")]); return markChoices(form, ["residence_status"], t("merge_restricted")); }
          sayLines(box, refusalLines(done, { numbers: { survivor: files.survivor.registration_number, merged: files.merged.registration_number }, form }));
          const go = survivorButton(done, (id) => open(id));
          if (go) box.append(go);
          return focusOn(box);
        } catch (error) {
          if (!(error instanceof SessionExpired)) say(box, error.message);  // the key is kept: sending again cannot merge twice
          return focusOn(box);
        }
      });
    });
    const table = sideBySide(mine, other);
    host.replaceChildren(scrollingTable(table), form, box);
    if (notice) { sayLines(box, [notice], "warning"); return focusOn(box); }
    return focusOn(keepFocus ? form.querySelector("input[name=survivor]:checked") : table);
  };
  return draw();
}
