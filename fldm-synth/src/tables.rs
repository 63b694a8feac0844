//! Place, address and free-text tables of the synthetic population.
//!
//! Street names are built from common German street-name parts; any match
//! with a real street is a coincidence of those parts. Postcodes are the
//! postcodes of Cologne; the addresses themselves are invented.

/// First parts of street names.
pub(super) const STREET_STEMS: &[&str] = &[
    "Linden",
    "Kastanien",
    "Ahorn",
    "Birken",
    "Eichen",
    "Holunder",
    "Flieder",
    "Mühlen",
    "Brunnen",
    "Kirch",
    "Schul",
    "Berg",
    "Wald",
    "Wiesen",
    "Garten",
    "Rosen",
    "Tulpen",
    "Kapellen",
    "Hafen",
    "Rhein",
    "Dom",
    "Severin",
    "Ursula",
    "Gereon",
    "Pantaleon",
    "Weiden",
    "Pappel",
    "Erlen",
    "Buchen",
    "Tannen",
    "Schwalben",
    "Lerchen",
    "Falken",
    "Amsel",
    "Finken",
    "Sonnen",
    "Mond",
    "Stern",
    "Bach",
    "Weiher",
    "Kloster",
    "Markt",
    "Post",
    "Bahnhof",
    "Brücken",
    "Fähr",
    "Zoll",
    "Wein",
    "Hopfen",
    "Korn",
    "Flachs",
    "Maar",
    "Heide",
    "Feld",
    "Acker",
    "Auen",
    "Quellen",
    "Ufer",
    "Turm",
    "Burg",
];

/// Second parts of street names (appended to a stem).
pub(super) const STREET_SUFFIXES: &[&str] = &[
    "straße", "straße", "straße", "weg", "weg", "gasse", "allee", "ring", "platz", "pfad", "wall",
    "graben",
];

/// Postcodes of Cologne (50667-51149).
pub(super) const POSTCODES: &[&str] = &[
    "50667", "50668", "50670", "50672", "50674", "50676", "50677", "50678", "50679", "50733",
    "50735", "50737", "50739", "50765", "50767", "50769", "50823", "50825", "50827", "50829",
    "50858", "50859", "50931", "50933", "50935", "50937", "50939", "50968", "50969", "50996",
    "50997", "50999", "51061", "51063", "51065", "51067", "51069", "51103", "51105", "51107",
    "51109", "51143", "51145", "51147", "51149",
];

/// The municipality of all current addresses.
pub(super) const ORT: &str = "Köln";

/// Address supplements of shared and private housing.
pub(super) const ZUSATZ: &[&str] = &[
    "Gemeinschaftsunterkunft",
    "Gemeinschaftsunterkunft, Haus A",
    "Gemeinschaftsunterkunft, Haus B",
    "Wohnheim, 2. OG",
    "Hinterhaus",
    "Erdgeschoss links",
    "1. OG rechts",
    "3. OG",
    "Notunterkunft, Halle 2",
    "Wohnung 12",
];

/// Places of earlier accommodation in North Rhine-Westphalia, with a
/// postcode of the place.
pub(super) const FRUEHERE_ORTE: &[(&str, &str)] = &[
    ("Bochum", "44787"),
    ("Unna", "59425"),
    ("Bielefeld", "33602"),
    ("Dortmund", "44135"),
    ("Düsseldorf", "40210"),
    ("Bonn", "53111"),
    ("Essen", "45127"),
    ("Mönchengladbach", "41061"),
    ("Burbach", "57299"),
    ("Köln", "51107"),
];

/// Reception centres (invented designations).
pub(super) const AUFNAHMEEINRICHTUNGEN: &[&str] = &[
    "Landeserstaufnahme Bochum, Standort Nord",
    "Erstaufnahmeeinrichtung Unna-West",
    "Zentrale Unterbringungseinrichtung Köln-Ost",
    "Zentrale Unterbringungseinrichtung Mönchengladbach",
    "Erstaufnahmeeinrichtung Bielefeld-Sennestadt",
    "Ankunftszentrum Bonn",
];

/// The responsible foreigners' authority.
pub(super) const AUSLAENDERBEHOERDEN: &[&str] = &[
    "Stadt Köln, Ausländerbehörde",
    "Stadt Köln, Ausländerbehörde, Team Aufenthaltsbeendigung",
    "Zentrale Ausländerbehörde Köln",
];

/// The youth office (unaccompanied minors).
pub(super) const JUGENDAEMTER: &[&str] = &[
    "Stadt Köln, Amt für Kinder, Jugend und Familie",
    "Stadt Köln, Jugendamt, Fachdienst unbegleitete minderjährige Ausländer",
];

/// Where health examinations and vaccinations take place.
pub(super) const GESUNDHEIT_ORTE: &[&str] = &[
    "Gesundheitsamt Köln",
    "Gesundheitsamt Köln, Außenstelle Kalk",
    "Medizinische Ambulanz der Erstaufnahmeeinrichtung",
    "Kinderarztpraxis im Stadtteil",
    "Hausarztpraxis",
];

/// Vaccines or diseases vaccinated against.
pub(super) const IMPFUNGEN: &[&str] = &[
    "Masern-Mumps-Röteln",
    "Tetanus-Diphtherie-Pertussis",
    "Poliomyelitis",
    "COVID-19",
    "Hepatitis B",
    "Varizellen",
    "Influenza",
    "Diphtherie-Tetanus-Pertussis-Polio-Hib-Hepatitis B (6-fach)",
];

/// School education.
pub(super) const SCHULBILDUNG: &[&str] = &[
    "keine Schulbildung",
    "Grundschule (4 Jahre)",
    "Grundschule (6 Jahre)",
    "Mittelschule (9 Jahre)",
    "Sekundarschule (12 Jahre)",
    "Hochschulreife",
    "Berufsschule",
];

/// University studies.
pub(super) const STUDIUM: &[&str] = &[
    "Bauingenieurwesen, Bachelor",
    "Humanmedizin",
    "Pharmazie",
    "Rechtswissenschaft",
    "Informatik, Bachelor",
    "Betriebswirtschaftslehre, abgebrochen",
    "Anglistik",
    "Arabische Literatur",
    "Maschinenbau, Master",
    "Pädagogik",
    "Agrarwissenschaft",
    "Elektrotechnik, abgebrochen",
];

/// Vocational training.
pub(super) const BERUFSAUSBILDUNG: &[&str] = &[
    "Elektroinstallation (3 Jahre)",
    "Schneiderei",
    "Kfz-Mechatronik",
    "Krankenpflege",
    "Friseurhandwerk",
    "Bäckerei",
    "Tischlerei",
    "Anlernung im Familienbetrieb",
];

/// Professions (masculine, feminine form).
pub(super) const BERUFE: &[(&str, &str)] = &[
    ("Elektriker", "Elektrikerin"),
    ("Schneider", "Schneiderin"),
    ("Lehrer", "Lehrerin"),
    ("Krankenpfleger", "Krankenpflegerin"),
    ("Bauarbeiter", "Bauarbeiterin"),
    ("Friseur", "Friseurin"),
    ("Koch", "Köchin"),
    ("Verkäufer", "Verkäuferin"),
    ("Landwirt", "Landwirtin"),
    ("Kraftfahrer", "Kraftfahrerin"),
    ("Ingenieur", "Ingenieurin"),
    ("Apotheker", "Apothekerin"),
    ("Buchhalter", "Buchhalterin"),
    ("Bäcker", "Bäckerin"),
    ("Maler", "Malerin"),
    ("Tischler", "Tischlerin"),
    ("Kfz-Mechaniker", "Kfz-Mechanikerin"),
    ("Informatiker", "Informatikerin"),
    ("Arzt", "Ärztin"),
    ("Schweißer", "Schweißerin"),
    ("Fliesenleger", "Fliesenlegerin"),
    ("Lagerhelfer", "Lagerhelferin"),
    ("Reinigungskraft", "Reinigungskraft"),
];

/// Academic degrees (Doktorgrad).
pub(super) const DOKTORGRADE: &[&str] =
    &["Dr.", "Dr. med.", "Dr.-Ing.", "Dr. rer. nat.", "Dr. phil."];

/// States of direct entry into Germany (DESTATIS codes).
pub(super) const EINREISESTAATEN: &[&str] = &[
    "151", "148", "129", "158", "164", "152", "124", "126", "137", "134",
];
/// States of direct entry for persons from Ukraine.
pub(super) const EINREISESTAATEN_UKR: &[&str] = &["152", "155", "165", "154", "164"];

/// Other German Länder (for responsibilities outside North Rhine-Westphalia).
pub(super) const ANDERE_LAENDER: &[&str] = &["03", "06", "08", "09", "11", "14"];

/// Languages learnt besides the mother tongue.
pub(super) const FREMDSPRACHEN: &[&str] = &["en", "en", "en", "fr", "ru", "tr", "ar"];

/// Mail domains (reserved example domains).
pub(super) const MAIL_DOMAINS: &[&str] = &["example.org", "example.net", "example.com"];
