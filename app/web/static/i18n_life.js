// Words of a person's origin, life in the host country, languages and remarks (the registration
// form's groups and the file's rows), and of the desk's usual languages.
import { addWords, translatePage } from "./i18n.js";

addWords({
  fr: {
    group_identity: "Identité", group_origin: "Origine au Sénégal", group_abroad: "Vie dans le pays d'accueil",
    group_contact: "Contact", place_of_birth: "Lieu de naissance", origin_departement: "Département d'origine",
    host_region: "Région de résidence", arrival_date_field: "Date d'arrivée dans le pays", arrival_date: "Date d'arrivée",
    residence_status: "Statut de séjour", residence_status_hint: "Réservé aux superviseurs et aux administrateurs",
    languages: "Langues parlées", language_first: "Langue préférée (pour les messages)",
  },
  en: {
    group_identity: "Identity", group_origin: "Origin in Senegal", group_abroad: "Life in the host country",
    group_contact: "Contact", place_of_birth: "Place of birth", origin_departement: "Département of origin",
    host_region: "Region of residence", arrival_date_field: "Date of arrival in the country", arrival_date: "Date of arrival",
    residence_status: "Residence status", residence_status_hint: "Supervisors and administrators only",
    languages: "Languages spoken", language_first: "Preferred language (for messages)",
  },
}, {
  fr: {
    lang_srr: "Sérère", lang_dyo: "Diola", lang_mnk: "Mandingue", lang_snk: "Soninké", lang_es: "Espagnol", lang_it: "Italien",
  },
  en: {
    lang_srr: "Serer", lang_dyo: "Jola", lang_mnk: "Mandinka", lang_snk: "Soninke", lang_es: "Spanish", lang_it: "Italian",
  },
});
translatePage();
