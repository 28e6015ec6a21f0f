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

/** The region's name when known (`Dakar`), else what was recorded. */
export function areaName(code) {
  if (!code) return code;
  const country = (state.areas || {})[code.slice(0, 2)] || {};
  return country[code] || code;
}

/**
 * Fills `select` with the regions of origin the API accepts (Senegal's, by name, the code as value),
 * an empty choice first, once they are known; `current` (a code, what was recorded) stays in the
 * list even when it is not in the API's. The region chosen when they arrive stays chosen (the one
 * recorded, or the one the agent picked meanwhile); the list itself is not the agent's input.
 */
export async function fillRegions(select, current = "") {
  await loadAreas("SN-");
  refill(select, () => {
    const chosen = select.value;
    const regions = Object.entries((state.areas || {}).SN || {}).sort((a, b) => a[1].localeCompare(b[1], "fr"));
    for (const code of new Set([chosen, current])) {
      if (code && !regions.some(([c]) => c === code)) regions.unshift([code, areaName(code)]);
    }
    const empty = document.createElement("option");
    empty.value = "";
    empty.textContent = "—";
    select.replaceChildren(empty, ...regions.map(([c, name]) => {
      const option = document.createElement("option");
      option.value = c;
      option.textContent = name;
      return option;
    }));
    select.value = chosen;
  });
}
