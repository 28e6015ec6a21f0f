// Find a person: any spelling, phone (or its last digits), document or registration number, with
// filters; a result opens the person's file by mouse or keyboard.
import { api, Offline, problemLines, SessionExpired } from "./api.js";
import { $, busy, el, focusOn, openRow, say, sayLines } from "./dom.js";
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
  $("#results").replaceChildren();
  $("#results-title").hidden = true;
  $("#more").hidden = true;
}

async function fetchPage(more) {
  const box = $("#search-msg");
  if (!more) {
    const data = new FormData($("#search-form"));
    const params = new URLSearchParams({ limit: "25" });
    for (const [k, v] of data) if (String(v).trim()) params.set(k, String(v).trim());
    state.search = { params, cursor: null };
  }
  const params = new URLSearchParams(state.search.params);
  if (state.search.cursor) params.set("cursor", state.search.cursor);
  try {
    const r = await api("GET", `/api/v1/registrants?${params}`);
    if (!r.ok) {
      if (!more) clearResults();
      return sayLines(box, problemLines(r.body, $("#search-form")));
    }
    say(box, "");
    const list = $("#results");
    if (!more) list.replaceChildren();
    state.search.items = [...(more ? state.search.items || [] : []), ...r.body.items];
    const rows = r.body.items.map(resultRow);
    list.append(...rows);
    if (!more && !rows.length) list.append(el("li", t("none")));
    $("#results-title").hidden = false;
    state.search.cursor = r.body.next_cursor;
    $("#more").hidden = !state.search.cursor;
    if (rows.length) focusOn($("button", rows[0]));
  } catch (error) {
    if (!more) clearResults();
    // a search saves nothing: say that it failed, not the saving forms' "the form is kept"
    if (error instanceof Offline) say(box, t("search_failed"));
    else if (!(error instanceof SessionExpired)) say(box, error.message);
  }
  return undefined;
}

// The results already found, drawn again (after a change of language), focus left where it is.
export function drawResults() {
  if (!state.search.items) return;
  const rows = state.search.items.map(resultRow);
  $("#results").replaceChildren(...(rows.length ? rows : [el("li", t("none"))]));
}

export function initSearch() {
  $("#search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#search-form button[type=submit]"), () => fetchPage(false));
  });
  $("#more").addEventListener("click", () => busy($("#more"), () => fetchPage(true)));
}
