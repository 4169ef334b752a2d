//! Realistic fake values (names, emails, phone numbers, addresses, cities), each chosen from
//! a keyed hash of the real value's digest: the same real value always gets the same fake.
//! The lists are invented for dbsub; emails use the reserved `example.*` domains.

use super::Stream;

const FIRST_NAMES: &[&str] = &[
    "Ada", "Aiko", "Alma", "Amara", "Anders", "Anouk", "Arjun", "Astrid", "Bea", "Bruno", "Camila",
    "Chen", "Dalia", "Dmitri", "Elena", "Emeka", "Esme", "Farah", "Felix", "Freya", "Gael",
    "Greta", "Hana", "Hugo", "Idris", "Ines", "Ivo", "Jonas", "Kaia", "Kenji", "Lars", "Leila",
    "Liam", "Lucia", "Malik", "Mara", "Mateo", "Mira", "Nadia", "Nils", "Noor", "Olga", "Omar",
    "Pilar", "Priya", "Quinn", "Rafael", "Rosa", "Sami", "Sofia", "Tariq", "Thea", "Tomas", "Uma",
    "Vera", "Wren", "Xavier", "Yara", "Yusuf", "Zoe",
];

const LAST_NAMES: &[&str] = &[
    "Abara",
    "Alder",
    "Barros",
    "Bergman",
    "Brandt",
    "Castell",
    "Dalton",
    "Duarte",
    "Eklund",
    "Ferris",
    "Fontaine",
    "Garrow",
    "Haines",
    "Holm",
    "Ibarra",
    "Ishikawa",
    "Jansen",
    "Kaplan",
    "Keller",
    "Lindqvist",
    "Lowell",
    "Marsh",
    "Moreau",
    "Nakamura",
    "Navarro",
    "Okafor",
    "Oliveira",
    "Park",
    "Quill",
    "Ramos",
    "Reyes",
    "Rowan",
    "Sato",
    "Sorensen",
    "Strand",
    "Tanaka",
    "Thorne",
    "Underwood",
    "Valdez",
    "Varga",
    "Weller",
    "Whitlock",
    "Xu",
    "Yilmaz",
    "Young",
    "Zamora",
    "Ziegler",
    "Ashby",
    "Birch",
    "Calder",
];

const STREETS: &[&str] = &[
    "Alder",
    "Aspen",
    "Birch",
    "Cedar",
    "Cottonwood",
    "Douglas",
    "Elm",
    "Fir",
    "Hawthorn",
    "Hemlock",
    "Juniper",
    "Larch",
    "Laurel",
    "Maple",
    "Oak",
    "Pine",
    "Poplar",
    "Redwood",
    "Rowan",
    "Spruce",
    "Sycamore",
    "Willow",
    "Yew",
    "Orchard",
    "Meadow",
    "Ridge",
    "Lake",
    "River",
    "Valley",
    "Hill",
];

const STREET_TYPES: &[&str] = &[
    "Street", "Road", "Avenue", "Lane", "Drive", "Way", "Crescent", "Place", "Court", "Trail",
];

const CITIES: &[&str] = &[
    "Alderby",
    "Ashford",
    "Birchmont",
    "Brookvale",
    "Cedarholm",
    "Clearwater",
    "Eastmere",
    "Fairhaven",
    "Fernbrook",
    "Glenwood",
    "Greystone",
    "Hollowell",
    "Kingsbridge",
    "Lakemont",
    "Maplehurst",
    "Millbrook",
    "Northfield",
    "Oakridge",
    "Pinecrest",
    "Redcliff",
    "Riverton",
    "Rosedale",
    "Silverton",
    "Springvale",
    "Stonehaven",
    "Thornbury",
    "Westbrook",
    "Willowmere",
];

const DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];

/// The kinds of fake value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FakeKind {
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    Address,
    City,
}

impl FakeKind {
    pub const ALL: [FakeKind; 7] = [
        FakeKind::Name,
        FakeKind::FirstName,
        FakeKind::LastName,
        FakeKind::Email,
        FakeKind::Phone,
        FakeKind::Address,
        FakeKind::City,
    ];

    pub fn word(self) -> &'static str {
        match self {
            FakeKind::Name => "name",
            FakeKind::FirstName => "first_name",
            FakeKind::LastName => "last_name",
            FakeKind::Email => "email",
            FakeKind::Phone => "phone",
            FakeKind::Address => "address",
            FakeKind::City => "city",
        }
    }

    pub fn parse(word: &str) -> Option<FakeKind> {
        FakeKind::ALL.into_iter().find(|k| k.word() == word)
    }
}

fn pick<'a>(list: &[&'a str], stream: &mut Stream) -> &'a str {
    list[(stream.next_u32() as usize) % list.len()]
}

/// The fake value of `kind` for one real value: `stream` is keyed by the value's digest and
/// `shape` is the value's shape (see [`super::shape`]), which a phone number keeps.
pub fn fake(kind: FakeKind, stream: &mut Stream, shape: &str) -> String {
    match kind {
        FakeKind::Name => {
            let first = pick(FIRST_NAMES, stream);
            format!("{first} {}", pick(LAST_NAMES, stream))
        }
        FakeKind::FirstName => pick(FIRST_NAMES, stream).to_string(),
        FakeKind::LastName => pick(LAST_NAMES, stream).to_string(),
        FakeKind::Email => {
            let first = pick(FIRST_NAMES, stream).to_lowercase();
            let last = pick(LAST_NAMES, stream).to_lowercase();
            let n = stream.next_u32() % 100;
            format!("{first}.{last}{n}@{}", pick(DOMAINS, stream))
        }
        FakeKind::Phone => {
            // The real number's layout with other digits; letters become digits too.
            let digits = shape
                .chars()
                .filter(|c| *c != ' ' && !c.is_ascii_punctuation());
            if digits.count() >= 7 {
                shape
                    .chars()
                    .map(|c| match c {
                        '9' | 'a' | 'A' | '*' => char::from(b'0' + stream.below(10) as u8),
                        other => other,
                    })
                    .collect()
            } else {
                format!("555-01{:02}", stream.below(100))
            }
        }
        FakeKind::Address => {
            let number = 1 + stream.below(9999);
            let street = pick(STREETS, stream);
            format!("{number} {street} {}", pick(STREET_TYPES, stream))
        }
        FakeKind::City => pick(CITIES, stream).to_string(),
    }
}
