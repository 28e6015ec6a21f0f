// Who acted, in words, wherever a history names them (the file's history, history.js; a case's
// timeline, case.js): never the audit trail's own label, which for a person is an internal id
// (`person:<account id>`) and for the server `system`.
import { addWords, code, t } from "./i18n.js";

addWords({
  fr: {
    h_actor_app_client: "{name} ({role}, par l'application « {client} »)", h_actor_person: "la personne (compte en ligne {account})",
    h_actor_person_gone: "la personne (compte en ligne supprimé depuis)", h_actor_person_app: "la personne (depuis son compte en ligne)",
    h_actor_system: "le système (traitement automatique)", h_actor_anonymous: "quelqu'un sans session ouverte",
  },
  en: {
    h_actor_app_client: "{name} ({role}, through the app \u201c{client}\u201d)", h_actor_person: "the person (online account {account})",
    h_actor_person_gone: "the person (online account since deleted)", h_actor_person_app: "the person (from their online account)",
    h_actor_system: "the system (automatic processing)", h_actor_anonymous: "someone not signed in",
  },
}, { fr: {}, en: {} });

// The kind of actor of a record that does not name it (a case's event): by its role.
const kindOf = (role) => (role === "person" ? "person" : role === "system" ? "system" : "staff");

/** Who acted in event `e`, by the kind the API names (`actor_kind`; else told from `actor_role`):
 * a staff member by their address and role, an app client by its name and the account it acts
 * for, the person by their online account (partly masked; `actor_name`), the system as such. */
export function actorText(e) {
  switch (e.actor_kind || kindOf(e.actor_role)) {
    case "staff": return `${e.actor_name || e.actor_label} (${code(e.actor_role)})`;
    case "app_client": return t("h_actor_app_client", { name: e.actor_name, role: code(e.actor_role), client: e.actor_client });
    case "person":
      if (!e.actor_kind) return t("h_actor_person_app");
      return e.actor_name ? t("h_actor_person", { account: e.actor_name }) : t("h_actor_person_gone");
    case "system": return t("h_actor_system");
    default: return t("h_actor_anonymous");
  }
}
