// Words of the reports screen's funders' indicators (added to LABELS by importing this module);
// the same words as the files the API writes in words (app/reports/report_words.py).
import { addWords } from "./i18n.js";

export const REPORT_LABELS = {
  fr: {
    report_funders: "Indicateurs des bailleurs", dim_age_band: "Tranche d'âge", report_total: "Total",
    table_people_received: "Personnes reçues", table_cases_resolved_social: "Dossiers résolus : social",
    table_cases_resolved_psychosocial: "Dossiers résolus : psychosocial", table_cases_resolved_health: "Dossiers résolus : santé",
    table_cases_resolved_economic: "Dossiers résolus : économique", table_people_trained: "Personnes formées",
    table_people_financed: "Personnes financées", table_referrals_made: "Orientations faites",
  },
  en: {
    report_funders: "Funder indicators", dim_age_band: "Age band", report_total: "Total",
    table_people_received: "People received", table_cases_resolved_social: "Cases resolved: social",
    table_cases_resolved_psychosocial: "Cases resolved: psychosocial", table_cases_resolved_health: "Cases resolved: health",
    table_cases_resolved_economic: "Cases resolved: economic", table_people_trained: "People trained",
    table_people_financed: "People financed", table_referrals_made: "Referrals made",
  },
};

addWords(REPORT_LABELS, { fr: {}, en: {} });
