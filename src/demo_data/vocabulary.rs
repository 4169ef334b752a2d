//! The demo generator's vocabulary: the word lists, code tables, species weights and
//! application settings of `data/demo/vocabulary.toml`. The file is compiled into the binary
//! and parsed once, on first use, so the demo needs no file at run time. The order of every
//! list matters: the generator picks items by position.

use std::sync::LazyLock;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use toml::value::Datetime;

const VOCABULARY_TOML: &str = include_str!("../../data/demo/vocabulary.toml");

/// A calendar date: (year, month, day).
pub(super) type Ymd = (i64, i64, i64);

/// A code table's rows: (code, description).
pub(super) type Codes = Vec<(String, String)>;

/// Weighted choices: (item, weight).
pub(super) type Weights = Vec<(String, u32)>;

/// Every list of the file, named as there.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Vocabulary {
    pub users: Vec<String>,
    pub sentences: Vec<String>,
    pub first_names: Vec<String>,
    pub surnames: Vec<String>,
    pub corp_prefixes: Vec<String>,
    pub corp_cores: Vec<String>,
    pub corp_suffixes: Vec<String>,
    pub nations: Vec<String>,
    pub special_clients: Vec<String>,
    pub government_clients: Vec<String>,
    pub cities: Vec<City>,
    pub streets: Vec<String>,
    pub locn_names: Vec<String>,
    pub email_domains: Vec<String>,
    pub orchard_places: Vec<String>,
    pub bec_subzones: Vec<String>,
    pub labs: Vec<String>,
    pub carriers: Vec<String>,
    pub seedlot_statuses: Codes,
    pub genetic_classes: Codes,
    pub genetic_worths: Codes,
    pub vegetations: Vec<Vegetation>,
    pub orchard_species: Weights,
    pub wild_species: Weights,
    pub cone_collection_methods: Codes,
    pub seedlot_sources: Codes,
    pub client_types: Codes,
    pub client_statuses: Codes,
    pub funding_sources: Codes,
    pub payment_methods: Codes,
    pub orchard_stages: Codes,
    pub bec_zones: Codes,
    pub seed_plan_zones: Codes,
    pub test_categories: Codes,
    pub request_statuses: Codes,
    pub retired_codes: Vec<RetiredCode>,
    pub app_settings: Vec<AppSetting>,
}

impl Vocabulary {
    /// The code tables with (code, description) rows, by table name, in the order the
    /// generator fills them (which decides what its CODE_TABLES stream gives each row).
    pub fn code_tables(&self) -> [(&'static str, &Codes); 14] {
        [
            ("SEEDLOT_STATUS_CODE", &self.seedlot_statuses),
            ("GENETIC_CLASS_CODE", &self.genetic_classes),
            ("GENETIC_WORTH_CODE", &self.genetic_worths),
            // CONE_COLLECTION_METHOD_CODE is NUMBER(2): the codes are bound as text
            // and stored as integers by the column's NUMERIC affinity.
            ("CONE_COLLECTION_METHOD_CODE", &self.cone_collection_methods),
            ("SEEDLOT_SOURCE_CODE", &self.seedlot_sources),
            ("CLIENT_TYPE_CODE", &self.client_types),
            ("CLIENT_STATUS_CODE", &self.client_statuses),
            ("FUNDING_SOURCE_CODE", &self.funding_sources),
            ("METHOD_OF_PAYMENT_CODE", &self.payment_methods),
            ("ORCHARD_STAGE_CODE", &self.orchard_stages),
            ("BEC_ZONE_CODE", &self.bec_zones),
            ("SEED_PLAN_ZONE_CODE", &self.seed_plan_zones),
            ("TEST_CATEGORY_CODE", &self.test_categories),
            ("REQUEST_STATUS_CODE", &self.request_statuses),
        ]
    }
}

/// Where a client location can be.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct City {
    pub city: String,
    /// Province or state.
    pub province: String,
    pub country: String,
    pub area_codes: Vec<String>,
}

/// A VEGETATION_CODE row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Vegetation {
    pub code: String,
    pub description: String,
    pub coniferous: bool,
}

/// A code no longer in use and its validity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RetiredCode {
    pub table: String,
    pub code: String,
    #[serde(deserialize_with = "local_date")]
    pub effective: Ymd,
    #[serde(deserialize_with = "local_date")]
    pub expiry: Ymd,
}

/// An APP_SETTING row; `None` is NULL.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AppSetting {
    pub key: String,
    pub value: Option<String>,
    pub description: Option<String>,
}

/// A TOML local date (`2014-03-31`), without time or offset.
fn local_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Ymd, D::Error> {
    let datetime = Datetime::deserialize(deserializer)?;
    match datetime {
        Datetime {
            date: Some(date),
            time: None,
            offset: None,
        } => Ok((date.year.into(), date.month.into(), date.day.into())),
        _ => Err(D::Error::custom(format!(
            "expected a date such as 2014-03-31, found {datetime}"
        ))),
    }
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    // The file is part of the source: a mistake in it is a bug, caught by the tests below.
    toml::from_str(VOCABULARY_TOML).unwrap_or_else(|e| {
        let list = e.span().and_then(|span| list_at(span.start));
        panic!(
            "data/demo/vocabulary.toml is malformed (list {}): {e}",
            list.unwrap_or("?")
        )
    })
});

/// The name of the list around byte `offset` of the file: the last line before it that
/// opens one (`name = [` or `[[name]]`, at the start of the line).
fn list_at(offset: usize) -> Option<&'static str> {
    VOCABULARY_TOML
        .get(..offset)?
        .lines()
        .rev()
        .find_map(|line| {
            if let Some(header) = line.strip_prefix("[[") {
                return header.strip_suffix("]]");
            }
            let (key, value) = line.split_once(" = ")?;
            let is_key = key.starts_with(|c: char| c.is_ascii_alphabetic());
            (is_key && value.starts_with('[')).then_some(key)
        })
}

/// The vocabulary, parsed on first use.
pub(super) fn vocabulary() -> &'static Vocabulary {
    &VOCABULARY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_parses_and_is_not_empty() {
        let v = vocabulary();
        let words = [
            ("users", &v.users),
            ("sentences", &v.sentences),
            ("first_names", &v.first_names),
            ("surnames", &v.surnames),
            ("corp_prefixes", &v.corp_prefixes),
            ("corp_cores", &v.corp_cores),
            ("corp_suffixes", &v.corp_suffixes),
            ("nations", &v.nations),
            ("special_clients", &v.special_clients),
            ("government_clients", &v.government_clients),
            ("streets", &v.streets),
            ("locn_names", &v.locn_names),
            ("email_domains", &v.email_domains),
            ("orchard_places", &v.orchard_places),
            ("bec_subzones", &v.bec_subzones),
            ("labs", &v.labs),
            ("carriers", &v.carriers),
        ];
        for (name, list) in words {
            assert!(!list.is_empty(), "{name} is empty");
        }
        for (name, codes) in v.code_tables() {
            assert!(!codes.is_empty(), "{name} is empty");
        }
        for (name, weights) in [
            ("orchard_species", &v.orchard_species),
            ("wild_species", &v.wild_species),
        ] {
            assert!(!weights.is_empty(), "{name} is empty");
            assert!(weights.iter().all(|(_, w)| *w > 0), "{name}: a weight is 0");
        }
        assert!(!v.cities.is_empty(), "cities is empty");
        for city in &v.cities {
            assert!(!city.area_codes.is_empty(), "{}: no area code", city.city);
        }
        assert!(!v.vegetations.is_empty(), "vegetations is empty");
        assert!(!v.retired_codes.is_empty(), "retired_codes is empty");
        assert!(!v.app_settings.is_empty(), "app_settings is empty");
    }

    #[test]
    fn tuples_have_their_width() {
        // toml fills a tuple from the first items of an array and ignores any more, so a
        // [code, description] or [species, weight] row with a stray third item would parse.
        // Those pairs are the only arrays of arrays in the file: each row must have two items.
        let file: toml::Table = toml::from_str(VOCABULARY_TOML).unwrap();
        let mut pairs = 0;
        for (name, list) in &file {
            for row in list.as_array().into_iter().flatten() {
                if let Some(items) = row.as_array() {
                    assert_eq!(items.len(), 2, "{name}: {row} is not a pair");
                    pairs += 1;
                }
            }
        }
        assert!(pairs > 100, "only {pairs} pairs");
        // Retired codes' dates are dates only.
        let err = toml::from_str::<RetiredCode>(
            "table = \"T\"\ncode = \"C\"\neffective = 2001-01-01T10:00:00\nexpiry = 2002-01-01",
        )
        .unwrap_err();
        assert!(err.to_string().contains("expected a date"), "{err}");
    }

    #[test]
    fn errors_name_their_list() {
        let at = |text: &str| VOCABULARY_TOML.find(text).unwrap();
        assert_eq!(list_at(at("\"Pending\"")), Some("seedlot_statuses"));
        assert_eq!(list_at(at("corp_suffixes = [") + 20), Some("corp_suffixes"));
        assert_eq!(list_at(at("\"SUPPORT_EMAIL\"")), Some("app_settings"));
        assert_eq!(list_at(0), None);
    }

    #[test]
    fn weighted_species_and_retired_codes_exist() {
        let v = vocabulary();
        let vegetation = |code: &str| v.vegetations.iter().any(|veg| veg.code == code);
        for (species, _) in v.orchard_species.iter().chain(&v.wild_species) {
            assert!(vegetation(species), "unknown species {species}");
        }
        let tables = v.code_tables();
        for retired in &v.retired_codes {
            let (_, codes) = tables
                .iter()
                .find(|(table, _)| *table == retired.table)
                .unwrap_or_else(|| panic!("unknown code table {}", retired.table));
            assert!(
                codes.iter().any(|(code, _)| *code == retired.code),
                "unknown code {} in {}",
                retired.code,
                retired.table
            );
            assert!(retired.effective < retired.expiry, "{}", retired.code);
        }
    }

    #[test]
    fn retired_codes_the_generator_skips_are_last() {
        // Orchards take any BEC zone but the last, seedlots any of the first eight cone
        // collection methods: both must leave out exactly the retired code.
        let v = vocabulary();
        let retired = |table: &str| -> Vec<&str> {
            v.retired_codes
                .iter()
                .filter(|r| r.table == table)
                .map(|r| r.code.as_str())
                .collect()
        };
        let last = |codes: &'static Codes| codes.last().map(|(code, _)| code.as_str());
        assert_eq!(retired("BEC_ZONE_CODE"), [last(&v.bec_zones).unwrap()]);
        assert_eq!(v.cone_collection_methods.len(), 9);
        assert_eq!(
            retired("CONE_COLLECTION_METHOD_CODE"),
            [last(&v.cone_collection_methods).unwrap()]
        );
    }
}
