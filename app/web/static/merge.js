// The merges of a person's file (a proposal awaiting a supervisor, decided right there by one; the
// files merged into it, each opening to be unmerged) and "même personne qu'un autre dossier…":
// the other file found by a search (or picked among an edit's duplicate candidates, `mergeWith`),
// compared and merged (merge_compare.js). Agents, supervisors and administrators only (the API's).
import { api, problemLines, readPart, SessionExpired } from "./api.js";
import { $, busy, el, focusOn, numberSpan, say, sayLines, sayWords, unreadNotice } from "./dom.js";
import { bornText, code, t } from "./i18n.js";
import { deskOf, state } from "./state.js";
import { compareFiles } from "./merge_compare.js";
import { DECIDING_ROLES, MERGING_ROLES, staffName, when } from "./merge_common.js";
import { reviewControls } from "./merge_review.js";

const opener = { open: null };  // openPerson, given by the file (no import cycle)
const PAGE = 10;  // files a page of the other file's search shows

async function proposalNote(m, person) {
  const li = el("li");
  const who = await staffName(m.desk_id, m.proposed_by);
  li.append(el("p", t("merge_pending_here", {
    when: when(m.proposed_at, m.desk_id), who, survivor: m.survivor_registration_number, merged: m.merged_registration_number,
  })));
  if (DECIDING_ROLES.includes(state.me.role)) li.append(reviewControls(m, (message) => opener.open(person.id, message)));
  return li;
}

function mergedHere(m) {
  const li = el("li");
  li.append(el("span", `${t("merge_in_force_here", { number: m.merged_registration_number, when: when(m.decided_at, m.desk_id) })} `));
  const see = el("button", t("merge_open_merged", { number: m.merged_registration_number }), { type: "button", class: "secondary" });
  see.addEventListener("click", () => opener.open(m.merged_id));
  li.append(see);
  return li;
}

function resultRow(found, person, compare) {
  const desk = deskOf(found.desk_id);
  const name = `${found.given_names} ${found.family_name}`;
  const li = el("li");
  li.append(el("strong", name), " ", numberSpan(found.registration_number),
    el("span", ` ${[code(found.sex), found.date_of_birth ? bornText(found.date_of_birth, found.sex) : "", desk ? desk.name : ""].filter(Boolean).join(" · ")} `));
  const button = el("button", t("merge_compare"), { type: "button", class: "secondary", "aria-label": t("merge_compare_name", { name, number: found.registration_number }) });
  button.addEventListener("click", () => busy(button, () => compareFiles(compare, person, found.id, opener.open)));
  li.append(button);
  return li;
}

/** "Même personne qu'un autre dossier…": a search for the other file, its results page by page
 * (more said to exist, with how to narrow the search), the comparison. */
function finder(person) {
  const wrap = el("div", null, { class: "merge-finder" });
  const toggle = el("button", t("merge_start"), { type: "button", id: "merge-start", class: "secondary", "aria-expanded": "false", "aria-controls": "merge-find" });
  const panel = el("div", null, { id: "merge-find", hidden: "" });
  const form = el("form", null, { id: "merge-search", role: "search", "data-lookup": "" });
  const input = el("input", null, { id: "merge-q", name: "q", type: "search", autocomplete: "off" });
  const submit = el("button", t("merge_search"), { type: "submit" });
  form.append(el("label", t("merge_find"), { for: "merge-q" }), input, submit);
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const results = el("ul", null, { class: "list", id: "merge-results" });
  const compare = el("div", null, { id: "merge-compare" });
  panel.append(form, box, results, compare);
  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) focusOn(input);
  });
  // One page of files matching the search (`cursor`: the next page of the same search), appended
  // to the results; while more match, a sentence says so and how to narrow, and a button shows them.
  const more = el("button", t("merge_more"), { type: "button", class: "secondary", id: "merge-more" });
  const note = el("p", t("merge_more_note"), { id: "merge-more-note", class: "msg info" });
  let search = null;
  const showPage = async (params) => {
    try {
      const r = await api("GET", `/api/v1/registrants?${params}`);
      note.remove();
      more.remove();
      if (!params.has("cursor")) {
        results.replaceChildren();
        compare.replaceChildren();
      }
      if (!r.ok) return sayLines(box, problemLines(r.body, form));
      say(box, "");
      const others = r.body.items.filter((x) => x.id !== person.id);
      const rows = others.map((x) => resultRow(x, person, compare));
      results.append(...rows);
      if (!results.children.length) results.append(el("li", t("merge_none_found")));
      search = r.body.next_cursor ? { params, cursor: r.body.next_cursor } : null;
      if (search) results.after(note, more);
      return focusOn((rows[0] && rows[0].querySelector("button")) || (params.has("cursor") ? more : results));
    } catch (error) {
      if (!(error instanceof SessionExpired)) say(box, error.message);
      return undefined;
    }
  };
  more.addEventListener("click", () => {
    if (!search) return undefined;
    const params = new URLSearchParams(search.params);
    params.set("cursor", search.cursor);
    return busy(more, () => showPage(params));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!input.value.trim()) {  // nothing typed (spaces are nothing): no search, not every file listed
      note.remove();
      more.remove();
      results.replaceChildren();
      compare.replaceChildren();
      search = null;
      return sayWords(box, "merge_nothing");
    }
    return busy(submit, () => showPage(new URLSearchParams({ q: input.value.trim(), limit: String(PAGE) })));
  });
  wrap.append(toggle, panel);
  return wrap;
}

/** The merge section of `person`'s file (null for a role that may not merge); `open(id, message)`
 * opens a file. */
export async function mergeSection(person, open) {
  if (!state.me || !MERGING_ROLES.includes(state.me.role)) return null;
  opener.open = open;
  const s = el("section", null, { id: "person-merge", class: "wide" });
  s.append(el("h2", t("merge_title")));
  const r = await readPart(`/api/v1/registrant-merges?registrant_id=${person.id}&limit=50`);
  // not loaded (a refusal, no answer): said so; no merge offered while it is unknown whether one awaits approval
  if (!r.ok) { s.append(unreadNotice()); return s; }
  const records = r.body.items;
  const pending = records.filter((m) => m.status === "proposed");
  const here = records.filter((m) => m.status === "merged" && m.survivor_id === person.id);
  if (pending.length || here.length) {
    const ul = el("ul", null, { class: "plain" });
    for (const m of pending) ul.append(await proposalNote(m, person));
    for (const m of here) ul.append(mergedHere(m));
    s.append(ul);
  }
  s.append(el("p", t("merge_intro")));
  // a file in a merge awaiting approval cannot be in another (409 merge-pending): nothing to start
  if (!pending.length) s.append(finder(person));
  return s;
}

/** From an edit's duplicate candidates: the open file's comparison with file `otherId`. */
export async function mergeWith(otherId) {
  const panel = $("#merge-find");
  if (!panel || !state.person) return undefined;
  panel.hidden = false;
  $("#merge-start").setAttribute("aria-expanded", "true");
  return compareFiles($("#merge-compare"), state.person.record, otherId, opener.open);
}
