"""Reference data seeded at start-up.

Regions come from ISO 3166-2 via ``pycountry``: Senegal's 14 regions and Morocco's 12 (2015
division). Senegal's 46 départements (Keur Massar included, created in 2021) are not in ISO 3166-2
and are listed here by region.
"""

from __future__ import annotations

SENEGAL_DEPARTEMENTS: dict[str, tuple[str, ...]] = {
    "SN-DK": ("Dakar", "Guédiawaye", "Keur Massar", "Pikine", "Rufisque"),
    "SN-DB": ("Bambey", "Diourbel", "Mbacké"),
    "SN-FK": ("Fatick", "Foundiougne", "Gossas"),
    "SN-KA": ("Birkelane", "Kaffrine", "Koungheul", "Malem-Hodar"),
    "SN-KL": ("Guinguinéo", "Kaolack", "Nioro du Rip"),
    "SN-KE": ("Kédougou", "Salémata", "Saraya"),
    "SN-KD": ("Kolda", "Médina Yoro Foulah", "Vélingara"),
    "SN-LG": ("Kébémer", "Linguère", "Louga"),
    "SN-MT": ("Kanel", "Matam", "Ranérou-Ferlo"),
    "SN-SL": ("Dagana", "Podor", "Saint-Louis"),
    "SN-SE": ("Bounkiling", "Goudomp", "Sédhiou"),
    "SN-TC": ("Bakel", "Goudiry", "Koumpentoum", "Tambacounda"),
    "SN-TH": ("M'bour", "Thiès", "Tivaouane"),
    "SN-ZG": ("Bignona", "Oussouye", "Ziguinchor"),
}

REGION_COUNTRIES = ("SN", "MA")

# The default desks (BRIEF.md §2); opening hours are local times, Monday (1) to Friday (5).
_WEEKDAY_HOURS = {str(d): [["09:00", "16:30"]] for d in range(1, 6)}
DEFAULT_DESKS = (
    {
        "code": "CASA-BASE",
        "name": "Bureau d'accueil des Sénégalais de l'extérieur — Casablanca",
        "country": "MA",
        "city": "Casablanca",
        "time_zone": "Africa/Casablanca",
        "opening_hours": _WEEKDAY_HOURS,
    },
    {
        "code": "DKR-MOB",
        "name": "Guichet unique mobilité — Dakar",
        "country": "SN",
        "city": "Dakar",
        "time_zone": "Africa/Dakar",
        "opening_hours": _WEEKDAY_HOURS,
    },
)
