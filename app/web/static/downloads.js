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
  const name = (/filename="?([^";]+)"?/.exec(r.headers.get("Content-Disposition") || "") || [])[1] || fallbackName;
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
