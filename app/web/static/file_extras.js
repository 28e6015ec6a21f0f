// What the person's file shows beyond its own record, each from its own module: the merges of the
// file and "même personne que…" (merge.js), the messages sent to the person and their preferences
// (messages.js), the person's online account and its link code (online_account.js); and a merged
// file's screen (merged_file.js). person.js only calls these.
import { mergeSection } from "./merge.js";
import { messagesSection } from "./messages.js";
import { onlineAccountSection } from "./online_account.js";

export { showMergedFile } from "./merged_file.js";

/** The extra sections of `person`'s file, in order (a role that may not see one gets none);
 * `open(id, message)` opens a file. */
export async function extraSections(person, open) {
  const parts = await Promise.all([mergeSection(person, open), onlineAccountSection(person), messagesSection(person)]);
  return parts.filter(Boolean);
}
