// Words of the web client: French first, English second (DOMAIN.md, "Languages"). Codes the API
// sends (statuses, reasons, purposes…) are shown through CODES, never raw. Only the words of the
// sign-in and search screens are here; the other screens' come with them (i18n_more.js).
export const LABELS = {
  fr: {
    logout: "Se déconnecter", login: "Connexion", email: "E-mail", password: "Mot de passe", signin: "Se connecter",
    no_desk: "Votre compte n'est rattaché à aucun guichet : demandez à un administrateur.",
    tab_search: "Rechercher", tab_register: "Nouvelle personne", tab_cases: "Files de dossiers", search: "Chercher",
    search_q: "Nom, téléphone, n° de document ou d'enregistrement", more: "Afficher la suite", filters: "Affiner",
    search_q_hint: "Un téléphone par ses 6 derniers chiffres au moins",
    any: "Tous", status_category: "Situation", results: "Résultats", sex: "Sexe", host_city: "Ville de résidence",
    desk: "Guichet", none: "Aucun résultat.", none_on_file: "Aucun pour l'instant.", none_on_file_f: "Aucune pour l'instant.", other_language: "English", busy: "Envoi en cours…",
    file_erased_notice: "Dossier anonymisé (effacement) : il se consulte seulement, rien ne peut y être ajouté ni modifié. Un rendez-vous encore prévu peut être annulé.",
    offline_read: "Le serveur ne répond pas (connexion coupée ?). Réessayez dans un instant.",
    list_unread: "La liste n'a pas pu être chargée : rechargez la page pour réessayer.",
    role_refused: "Votre rôle ne permet pas de voir ceci : recharger la page n'y changera rien.",
    offline: "Le serveur n'a pas répondu (connexion coupée ?) : ce qui a été envoyé a pu être enregistré ou non. Le formulaire est gardé ; le renvoyer tel quel ne crée rien en double.",
    search_unread: "Les résultats n'ont pas pu être chargés : relancez la recherche pour réessayer.",
    search_nothing: "Tapez un nom, un téléphone ou un numéro, ou choisissez un filtre.",
    more_unread: "La suite de la liste n'a pas pu être chargée : demandez-la à nouveau pour réessayer.",
    list_unread_again: "La liste n'a pas pu être chargée : demandez-la à nouveau pour réessayer.",
    field_future: "date dans le futur : une date passée est attendue",
    field_past: "date passée : aujourd'hui ou une date à venir est attendue",
    field_before_referral: "date antérieure à l'envoi de l'orientation",
    field_before_registration: "date antérieure à l'enregistrement de la personne",
    field_not_calendar_date: "cette date n'existe pas au calendrier",
    field_area_unknown: "ce lieu n'est pas dans la liste : choisissez-le dans la liste",
    field_area_mismatch: "ce département n'est pas de la région d'origine choisie",
    field_before_1900: "avant 1900 : une date à partir de 1900 est attendue",
    field_country: "code de pays inconnu : deux lettres sont attendues (SN, MA, FR…)",
    field_date_range: "date hors des dates acceptées", field_phone: "numéro de téléphone non valide",
    field_nothing_to_search: "rien à chercher (ni lettre ni chiffre)",
    field_before_birth: "date antérieure à la date de naissance",
    field_blank: "ne peut pas être vide ou fait seulement d'espaces",
    field_bidi: "contient un caractère invisible {char} en position {pos}, qui inverse l'ordre du texte affiché : effacez-le ou retapez le texte au lieu de le coller",
    field_bidi_somewhere: "contient un caractère invisible qui inverse l'ordre du texte affiché : retapez le texte au lieu de le coller",
    field_control: "contient un caractère invisible {char} en position {pos}, qui ne peut pas être enregistré : effacez-le ou retapez le texte au lieu de le coller",
    field_control_somewhere: "contient un caractère invisible qui ne peut pas être enregistré : retapez le texte au lieu de le coller",
    field_partial_date: "date non reconnue : écrivez JJ/MM/AAAA, MM/AAAA ou AAAA (l'année sur quatre chiffres)",
    expired: "Votre session a expiré. Reconnectez-vous : ce que vous étiez en train de saisir est gardé.",
    resend: "Vous êtes reconnecté. Vérifiez le formulaire puis renvoyez-le.",
    check_fields: "Vérifiez les champs signalés :", field_missing: "à remplir", field_invalid: "valeur non valide",
    field_too_long: "trop long", field_too_short: "trop court", field_small: "valeur trop petite",
    field_large: "valeur trop grande", field_number: "un nombre entier est attendu",
    field_too_long_max: "trop long ({max} {max|caractère|caractères} au plus)",
    field_too_short_min: "trop court (au moins {min} {min|caractère|caractères})",
    field_too_short_visible: "trop court (au moins {min} {min|caractère visible|caractères visibles})",
    field_too_many: "trop d'éléments ({max} au plus)", field_too_few: "pas assez d'éléments (au moins {min})",
    field_small_min: "valeur trop petite (au moins {min})", field_small_above: "valeur trop petite (plus de {min})",
    field_large_max: "valeur trop grande ({max} au plus)", field_large_below: "valeur trop grande (moins de {max})",
    field_date: "date non valide (AAAA-MM-JJ)", field_choice: "choix non valide",
    field_unticked: "à cocher", field_unchosen: "à choisir", field_email: "adresse e-mail non valide (nom@domaine)",
    field_min: "au moins {min}", field_max: "au plus {max}", field_unnamed: "Une donnée envoyée",
    field_identifier: "identifiant non valide", field_age_range: "l'âge minimum dépasse l'âge maximum",
    unexpected: "Une erreur s'est produite. Réessayez.", dob_value: "né(e) le", dob_in: "né(e) en",
    dob_value_female: "née le", dob_in_female: "née en", dob_value_male: "né le", dob_in_male: "né en", empty: "—", skip: "Aller au contenu",
    tab_day: "Rendez-vous du jour", tab_reports: "Rapports", tab_imports: "Registres importés", tab_admin: "Administration",
    tab_privacy: "Protection des données",
    age_min: "Âge minimum", age_max: "Âge maximum",
    leave_unsaved: "Vous avez des saisies non enregistrées sur cet écran. Les abandonner ?",
    leave_stay: "Rester sur cet écran", leave_discard: "Abandonner les saisies",
  },
  en: {
    no_desk: "Your account belongs to no desk: ask an administrator.",
    logout: "Log out", login: "Log in", email: "E-mail", password: "Password", signin: "Log in", tab_search: "Search",
    tab_register: "New person", tab_cases: "Case queues", search: "Search",
    search_q: "Name, phone, document or registration number", more: "Show more", filters: "Narrow down", any: "Any",
    search_q_hint: "A phone by its last 6 digits at least",
    status_category: "Situation", results: "Results", sex: "Sex", host_city: "City of residence", desk: "Desk",
    none: "No result.", none_on_file: "None so far.", none_on_file_f: "None so far.", other_language: "Français", busy: "Sending…",
    file_erased_notice: "File anonymised (erasure): it can only be read, nothing can be added or changed. An appointment still booked can be cancelled.",
    offline_read: "The server does not answer (connection lost?). Try again in a moment.",
    list_unread: "The list could not be loaded: reload the page to try again.",
    role_refused: "Your account's role does not allow you to see this: reloading the page will not change that.",
    offline: "The server did not answer (connection lost?): what was sent may or may not have been saved. The form is kept; sending it again as it is creates nothing twice.",
    search_unread: "The results could not be loaded: search again to retry.",
    search_nothing: "Type a name, a phone or a number, or choose a filter.",
    more_unread: "The rest of the list could not be loaded: ask for it again to retry.",
    list_unread_again: "The list could not be loaded: ask for it again to retry.",
    field_future: "date in the future: a past date is expected",
    field_past: "date in the past: today or a date to come is expected",
    field_before_referral: "date before the referral was sent",
    field_before_registration: "date before the person's registration",
    field_not_calendar_date: "this date does not exist in the calendar",
    field_area_unknown: "this place is not in the list: choose it from the list",
    field_area_mismatch: "this département is not in the region of origin chosen",
    field_before_1900: "before 1900: a date from 1900 on is expected",
    field_country: "unknown country code: two letters are expected (SN, MA, FR…)",
    field_date_range: "date outside the dates accepted", field_phone: "invalid phone number",
    field_nothing_to_search: "nothing to search by (neither letter nor digit)",
    field_before_birth: "date before the date of birth",
    field_blank: "cannot be empty or spaces only",
    field_bidi: "holds an invisible character {char} at position {pos}, which reverses the order of the text shown: delete it, or type the text rather than pasting it",
    field_bidi_somewhere: "holds an invisible character which reverses the order of the text shown: type the text rather than pasting it",
    field_control: "holds an invisible character {char} at position {pos}, which cannot be saved: delete it, or type the text rather than pasting it",
    field_control_somewhere: "holds an invisible character which cannot be saved: type the text rather than pasting it",
    field_partial_date: "date not recognised: write DD/MM/YYYY, MM/YYYY or YYYY (the year with four digits)",
    expired: "Your session has ended. Log in again: what you were typing is kept.",
    resend: "You are logged in again. Check the form, then send it again.",
    check_fields: "Check the highlighted fields:", field_missing: "required", field_invalid: "invalid value",
    field_too_long: "too long", field_too_short: "too short", field_small: "value too small",
    field_large: "value too large", field_number: "a whole number is expected",
    field_too_long_max: "too long (at most {max} {max|character|characters})",
    field_too_short_min: "too short (at least {min} {min|character|characters})",
    field_too_short_visible: "too short (at least {min} visible {min|character|characters})",
    field_too_many: "too many items (at most {max})", field_too_few: "too few items (at least {min})",
    field_small_min: "value too small (at least {min})", field_small_above: "value too small (more than {min})",
    field_large_max: "value too large (at most {max})", field_large_below: "value too large (less than {max})",
    field_date: "invalid date (YYYY-MM-DD)", field_choice: "invalid choice", field_identifier: "invalid identifier",
    field_unticked: "to be ticked", field_unchosen: "to be chosen", field_email: "invalid e-mail address (name@domain)",
    field_min: "at least {min}", field_max: "at most {max}", field_unnamed: "A value sent",
    field_age_range: "the minimum age is above the maximum age", unexpected: "Something went wrong. Try again.",
    dob_value: "born", dob_in: "born in",
    dob_value_female: "born", dob_in_female: "born in", dob_value_male: "born", dob_in_male: "born in", empty: "—", skip: "Skip to content", tab_day: "Today's appointments", tab_reports: "Reports",
    tab_imports: "Imported registers", tab_admin: "Administration", tab_privacy: "Data protection", age_min: "Minimum age", age_max: "Maximum age",
    leave_unsaved: "You have entries not saved on this screen. Discard them?",
    leave_stay: "Stay on this screen", leave_discard: "Discard the entries",
  },
};

export const CODES = {
  fr: {
    female: "Femme", male: "Homme", unknown: "Non précisé", student: "Étudiant(e)", worker: "Salarié(e)",
    trainee: "Stagiaire", entrepreneur: "Entrepreneur(e)", family_member: "Membre de famille", returnee: "De retour",
    seasonal_worker: "Saisonnier(ère)", job_seeker: "En recherche d'emploi", retired: "Retraité(e)", other: "Autre",
  },
  en: {
    female: "Female", male: "Male", unknown: "Not stated", student: "Student", worker: "Worker", trainee: "Trainee",
    entrepreneur: "Entrepreneur", family_member: "Family member", returnee: "Returnee",
    seasonal_worker: "Seasonal worker", job_seeker: "Job seeker", retired: "Retired", other: "Other",
  },
};

// Words of screens loaded later (case screens) join the tables when their module arrives.
export function addWords(labels, codes) {
  for (const lang of ["fr", "en"]) {
    Object.assign(LABELS[lang], labels[lang]);
    Object.assign(CODES[lang], codes[lang]);
  }
}

export const i18n = { lang: sessionStorage.getItem("lang") || "fr" };

// A count's words agree with it: `{n|tentative|tentatives}` in a text is the form of the count `n`
// that the language's plural rules (Intl.PluralRules: French "1 rejetée", "2 rejetées"; English
// "1 row", "0 rows") choose, its first form for their "one", the second for any other.
const PLURAL = /\{(\w+)\|([^|}]*)\|([^}]*)\}/g;
// A count written just before its own word ("{n} {n|ligne|lignes}") is never parted from it.
const COUNTED = /\{(\w+)\} (?=\{\1\|)/g;

export function plural(count, one, other) {
  const n = Number(String(count).replace(/[\s\u202f\u00a0]/g, ""));
  return new Intl.PluralRules(i18n.lang).select(n) === "one" ? one : other;
}

export function t(key, vars = {}) {
  let text = LABELS[i18n.lang][key] || LABELS.fr[key] || key;
  text = text.replace(COUNTED, "{$1}\u00a0").replace(PLURAL, (whole, k, one, other) => (k in vars ? plural(vars[k], one, other) : whole));
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, v);
  return text;
}

/** French typography, which the client follows in both languages: a number is never parted from
 * the word after it, its unit or its date's month ("56 ko", "18 déc. 2026", "10:30 UTC"): a space
 * after a digit becomes a no-break space. The rest may still part where the line ends ("samedi /
 * 5 décembre 2026" in a narrow column of the week). The server's app/core/i18n.py does the same. */
export function unbroken(text) {
  return String(text).replace(/(?<=\d) (?=\S)/g, "\u00a0");
}

/** `date` (a Date, or milliseconds) in the interface language with Intl's `options`, unbroken. */
export function dateText(date, options) {
  return unbroken(new Intl.DateTimeFormat(i18n.lang, options).format(date));
}

const SIZE_UNITS = [[1024 ** 3, "gigabyte"], [1024 ** 2, "megabyte"], [1024, "kilobyte"]];

/** A size in bytes as the interface language writes it, in the largest unit it reaches (binary
 * multiples, as the API's texts and file managers say them), one decimal at most, unbroken:
 * "56 ko", "1,5 Mo", "512 octets"; "56 kB", "512 bytes". */
export function size(bytes) {
  const [per, unit] = SIZE_UNITS.find(([n]) => bytes >= n) || [1, "byte"];
  const style = { style: "unit", unit, unitDisplay: unit === "byte" ? "long" : "short", maximumFractionDigits: 1 };
  return unbroken(new Intl.NumberFormat(i18n.lang, style).format(bytes / per));
}

/** A likeness score in [0, 1] as a whole percentage: 0.42 → 42. Rounded, but a score below 1 never
 * reads 100 (at most 99): "100 %" beside "nom proche" would claim a certainty the score does not. */
export function percent(score) {
  return Math.min(Math.round(score * 100), score < 1 ? 99 : 100);
}

// A code from the API in words; an unknown code is shown humanised rather than as a raw token.
// `kind` names a family where one code means two things (`channel:partner_referral` is how a case
// came in, `partner_referral` the consent purpose).
export function code(value, kind = "") {
  if (value === null || value === undefined || value === "") return t("empty");
  return (kind && CODES[i18n.lang][`${kind}:${value}`]) || CODES[i18n.lang][value] || String(value).replaceAll("_", " ");
}

// A date of birth as people write it: "12 mai 1990", "mai 1985" or "1985" (the API keeps partial dates).
export function birthDate(iso) {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(iso || "");
  if (!m) return iso || "";
  if (!m[2]) return m[1];
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3] || 1), 12));
  const parts = m[3] ? { day: "numeric", month: "long", year: "numeric" } : { month: "long", year: "numeric" };
  return unbroken(new Intl.DateTimeFormat(i18n.lang === "fr" ? "fr-FR" : "en-GB", { ...parts, timeZone: "UTC" }).format(date));
}

/** The day of an API date or time ("2026-03-05…") in the interface language ("5 mars 2026"), "—" for none. */
export function dayText(iso) {
  return iso ? dateText(new Date(`${iso.slice(0, 10)}T12:00:00`), { dateStyle: "medium" }) : t("empty");
}

/** "née le 12 mai 1990" (sex "female"), "né en mai 1985" ("male"), "né(e) le …" (sex unknown) /
 * "born 12 May 1990". */
export function bornText(iso, sex) {
  const key = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? "dob_value" : "dob_in";
  const agreed = sex === "female" || sex === "male" ? `${key}_${sex}` : key;
  return `${t(agreed)} ${birthDate(iso)}`;
}

// "Label : value" in French typography, "Label: value" in English.
export function colon() {
  return i18n.lang === "fr" ? " : " : ": ";
}

export function translatePage() {
  document.documentElement.lang = i18n.lang;
  // A word not here yet (its screen's words come with i18n_more.js) is left as the page has it.
  const known = (table, key) => key in table[i18n.lang] || key in table.fr;
  document.querySelectorAll("[data-t]").forEach((n) => { if (known(LABELS, n.dataset.t)) n.textContent = t(n.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((n) => { if (known(LABELS, n.dataset.tp)) n.placeholder = t(n.dataset.tp); });
  document.querySelectorAll("[data-code]").forEach((n) => { if (known(CODES, n.dataset.code)) n.textContent = code(n.dataset.code); });
}
