// Find a person: any spelling, phone (or its last digits), document or registration number, with
// filters; a result opens the person's file by mouse or keyboard.
import { problemLines, readPart, SessionExpired } from "./api.js";
import { $, busy, drawTurn, el, focusOn, openRow, say, sayLines, sayWords, unreadNotice } from "./dom.js";
import { bornText, code, t } from "./i18n.js";
import { state } from "./state.js";

function resultRow(r) {
  return openRow([
    el("strong", `${r.given_names} ${r.family_name}`),
    el("span", r.registration_number, { class: "mono" }),
    el("span", [code(r.sex), r.date_of_birth ? bornText(r.date_of_birth, r.sex) : "", r.host_city || ""]
      .filter(Boolean).join(" · ")),
  ], async () => (await import("./person.js")).openPerson(r.id));
}

// A new search that fails leaves no earlier results on screen: they would read as its answer.
function clearResults() {
  state.search.items = null;
  state.search.unread = false;
  $("#results").replaceChildren();
  $("#results-title").hidden = true;
  $("#more").hidden = true;
}

// Results that could not be read (no answer, a refusal that is not about what was typed): said in
// their place, never « Aucun résultat » nor the results of the search before; a page more that
// could not be read is said after the pages shown, « Afficher la suite » left to ask it again.
function sayUnread(more) {
  const list = $("#results");
  for (const notice of list.querySelectorAll(".unread")) notice.remove();
  if (!more) clearResults();
  state.search.unread = true;
  list.append(unreadNotice(more ? "more_unread" : "search_unread", "li"));
  $("#results-title").hidden = false;
}

// Only the latest read draws the results: a search typed while the one before is still loading,
// or a new search while a page more loads, is never replaced by the older answer arriving last.
async function fetchPage(more) {
  const box = $("#search-msg");
  const list = $("#results");
  if (!more) {
    const data = new FormData($("#search-form"));
    const params = new URLSearchParams({ limit: "25" });
    for (const [k, v] of data) if (String(v).trim()) params.set(k, String(v).trim());
    // Nothing typed (spaces are nothing) nor chosen: nothing to search by, not everyone listed.
    if ([...params.keys()].every((k) => k === "limit")) {
      clearResults();
      return sayWords(box, "search_nothing");
    }
    state.search = { params, cursor: null };
    $("#more").hidden = true;  // a page of the search before is not added to this one
  }
  const search = state.search;
  const params = new URLSearchParams(search.params);
  if (search.cursor) params.set("cursor", search.cursor);
  const current = drawTurn(list);
  list.setAttribute("aria-busy", "true");
  try {
    const r = await readPart(`/api/v1/registrants?${params}`);
    if (!current()) return undefined;
    list.removeAttribute("aria-busy");
    // what was typed refused (a field, the phone rule): said at the form; any other failure is the
    // results' own, said in their place
    if (!r.ok && (r.status === 400 || r.status === 422)) {
      if (!more) clearResults();
      return sayLines(box, problemLines(r.body, $("#search-form")));
    }
    say(box, "");
    if (!r.ok) return sayUnread(more);
    for (const notice of list.querySelectorAll(".unread")) notice.remove();
    if (!more) list.replaceChildren();
    search.unread = false;
    search.items = [...(more ? search.items || [] : []), ...r.body.items];
    const rows = r.body.items.map(resultRow);
    list.append(...rows);
    if (!more && !rows.length) list.append(el("li", t("none")));
    $("#results-title").hidden = false;
    search.cursor = r.body.next_cursor;
    $("#more").hidden = !search.cursor;
    if (rows.length) focusOn($("button", rows[0]));
  } catch (error) {
    if (!current()) return undefined;
    list.removeAttribute("aria-busy");
    if (!more) clearResults();
    if (!(error instanceof SessionExpired)) say(box, error.message);
  }
  return undefined;
}

// The results already found, drawn again (after a change of language), focus left where it is.
export function drawResults() {
  const { items, unread } = state.search;
  if (!items && !unread) return;
  const rows = (items || []).map(resultRow);
  if (unread) rows.push(unreadNotice(items ? "more_unread" : "search_unread", "li"));
  $("#results").replaceChildren(...(rows.length ? rows : [el("li", t("none"))]));
}

export function initSearch() {
  // Not kept busy while it loads: a search typed meanwhile is sent (and only its answer drawn).
  $("#search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    fetchPage(false);
  });
  $("#more").addEventListener("click", () => busy($("#more"), () => fetchPage(true)));
}
