// Regions of origin by name rather than by code ("SN-DK" → "Dakar"), from the API's reference
// list, fetched once per country while the agent is signed in (forgotten at sign-out with the state).
import { api } from "./api.js";
import { state } from "./state.js";
import { refill } from "./unsaved.js";

/** Loads the regions of `code`'s country (`SN-DK` → `SN`) unless already there; never throws. */
export async function loadAreas(code) {
  const country = /^([A-Z]{2})-/.exec(code || "");
  if (!country) return;
  state.areas = state.areas || {};
  if (state.areas[country[1]]) return;
  try {
    const r = await api("GET", `/api/v1/reference/areas?country=${country[1]}&level=region`);
    state.areas[country[1]] = r.ok ? Object.fromEntries(r.body.map((a) => [a.code, a.name])) : {};
  } catch {
    // no names: the code is shown
  }
}

/** The region's or département's name when known (`Dakar`, `M'bour`), else what was recorded. */
export function areaName(code) {
  if (!code) return code;
  const areas = state.areas || {};
  const country = areas[code.slice(0, 2)] || {};
  return country[code] || ((areas.departements || {})[code] || {}).name || code;
}

function option(value, text) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = text;
  return node;
}

/**
 * Fills `select` with the regions of `country` the API accepts (by default Senegal's, the regions
 * of origin; a desk's country for the region of residence), by name with the code as value, an
 * empty choice first, once they are known; `current` (a code, what was recorded) stays in the list
 * even when it is not in the API's. The region chosen when they arrive stays chosen (the one
 * recorded, or the one the agent picked meanwhile); the list itself is not the agent's input.
 */
export async function fillRegions(select, current = "", country = "SN") {
  await loadAreas(`${country}-`);
  refill(select, () => {
    const chosen = select.value;
    const regions = Object.entries((state.areas || {})[country] || {}).sort((a, b) => a[1].localeCompare(b[1], "fr"));
    for (const code of new Set([chosen, current])) {
      if (code && !regions.some(([c]) => c === code)) regions.unshift([code, areaName(code)]);
    }
    select.replaceChildren(option("", "—"), ...regions.map(([c, name]) => option(c, name)));
    select.value = chosen;
  });
}

/** Loads Senegal's départements (code → name and region code) unless already there; never throws
 * (a failed read is tried again by the next form that needs them). */
export async function loadDepartements() {
  state.areas = state.areas || {};
  if (state.areas.departements) return;
  try {
    const r = await api("GET", "/api/v1/reference/areas?country=SN&level=departement");
    if (r.ok) state.areas.departements = Object.fromEntries(r.body.map((a) => [a.code, { name: a.name, region: a.parent_code }]));
  } catch {
    // no list: the recorded département alone is offered
  }
}

/**
 * Fills `select` with Senegal's départements, grouped under their region by name (every region's:
 * a département can be chosen before, or without, the region), as `fillRegions` fills regions;
 * `current` (a code) stays in the list.
 */
export async function fillDepartements(select, current = "") {
  await Promise.all([loadAreas("SN-"), loadDepartements()]);
  refill(select, () => {
    const chosen = select.value;
    const groups = new Map();
    const all = Object.entries((state.areas || {}).departements || {}).sort((a, b) => a[1].name.localeCompare(b[1].name, "fr"));
    for (const [code, { name, region }] of all) {
      if (!groups.has(region)) groups.set(region, []);
      groups.get(region).push(option(code, name));
    }
    const nodes = [...groups].sort((a, b) => areaName(a[0]).localeCompare(areaName(b[0]), "fr")).map(([region, options]) => {
      const group = document.createElement("optgroup");
      group.label = areaName(region);
      group.append(...options);
      return group;
    });
    const lone = [...new Set([chosen, current])].filter((code) => code && !all.some(([c]) => c === code));
    select.replaceChildren(option("", "—"), ...lone.map((code) => option(code, areaName(code))), ...nodes);
    select.value = chosen;
  });
}
