// Files of the API (a report, an export, the register of disclosures) fetched with the agent's
// token and saved under the server's name: one way for every screen, so that each says a refusal
// and a file cut short in the same words.
import "./i18n_more.js"; // export_cut
import { authorized, bodyOf, problemLines } from "./api.js";
import { saveBlob, say, sayLines } from "./dom.js";
import { t } from "./i18n.js";

/** Fetch `path` and save its body as a file, named by the answer's Content-Disposition (else
 * `fallbackName`). A refusal is said in `box` in sentences (the API's problem, the fields it names
 * marked in `form`); so is a body cut short (the server failed while writing the file, or the
 * connection dropped), and then nothing is saved. → `{name, response}` once saved, or null.
 * Throws SessionExpired or Offline (api.js), as every request does. */
export async function download(path, box, form, fallbackName) {
  const r = await authorized(path);
  if (!r.ok) { sayLines(box, problemLines(await bodyOf(r), form)); return null; }
  const name = savedName(r, fallbackName);
  let file;
  try {
    file = await r.blob();
  } catch {
    say(box, t("export_cut"));
    return null;
  }
  saveBlob(file, name);
  return { name, response: r };
}

/** The name answer `r` gives its file (RFC 6266 Content-Disposition): the exact name of
 * `filename*` (RFC 8187, UTF-8, percent-encoded) when there is one, else the plain `filename` (the
 * server's ASCII fallback), else `fallbackName`. */
export function savedName(r, fallbackName) {
  const header = r.headers.get("Content-Disposition") || "";
  const exact = /filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(header);
  if (exact) {
    try {
      return decodeURIComponent(exact[1]);
    } catch {
      // not valid percent-encoding: the plain name below
    }
  }
  return (/filename\s*=\s*"?([^";]+)"?/i.exec(header) || [])[1] || fallbackName;
}
