//! Columns that look personal but that no classification line names: by their name (`EMAIL`,
//! `PHONE`, `SURNAME`, `ADDRESS`, `BIRTH`, `SIN`…) and by a bounded sample of their values
//! (e-mail and phone shapes, or values equal to those of a masked column). The classification
//! is the users' to write; these checks only point at what it probably misses, with the line to
//! add. docs/masking.md describes them.
//!
//! Values of masked columns never leave the source: what is compared are the SHA-256 digests
//! the source replies for `pseudonym` and `fake:*` columns, against the digests of the sampled
//! values of unclassified columns.

use std::collections::HashMap;
use std::fmt;

use sha2::{Digest, Sha256};

use super::{Masking, Strategy};
use crate::catalog::{Column, LobKind, NeutralType, Table};
use crate::subset::Scope;

/// Rows read per table for the value checks: the values of each unclassified text column
/// looked at.
pub const SAMPLE_ROWS: usize = 1_000;
/// The most digests of masked values kept to compare with (32 bytes each, so a few MiB at
/// most); the rows of a table with masked columns are read up to this many.
pub const MAX_MASKED_DIGESTS: usize = 100_000;
/// Values shorter than this are not compared with masked ones: codes and flags would match
/// by chance.
const MIN_EQUAL_CHARS: usize = 5;

/// What a column looks like it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Looks {
    Email,
    Phone,
    PersonName,
    Address,
    PostalCode,
    BirthDate,
    IdentityNumber,
}

impl Looks {
    fn what(self) -> &'static str {
        match self {
            Looks::Email => "e-mail addresses",
            Looks::Phone => "phone numbers",
            Looks::PersonName => "names of people",
            Looks::Address => "addresses",
            Looks::PostalCode => "postal codes",
            Looks::BirthDate => "birth dates",
            Looks::IdentityNumber => "identity numbers",
        }
    }

    /// The strategy to suggest for a column of this look, when it fits the column's type.
    fn strategy(self) -> &'static str {
        match self {
            Looks::Email => "fake:email",
            Looks::Phone => "fake:phone",
            Looks::PersonName => "fake:name",
            Looks::Address => "fake:address",
            Looks::BirthDate => "date_shift",
            Looks::PostalCode | Looks::IdentityNumber => "pseudonym",
        }
    }
}

/// What a column's name says it holds, from its words (`APPLICANT_EMAIL_ADDRESS`: `EMAIL`).
pub fn by_name(column: &str) -> Option<Looks> {
    let upper = column.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // A column named for what it refers to (`ADDRESS_ID`, `CUSTOMER_ADDRESS_KEY`) holds a key,
    // not the personal value: the value is in the row it refers to, judged there.
    if words
        .last()
        .is_some_and(|w| ["ID", "IDS", "KEY", "FK", "UUID", "GUID", "SEQ"].contains(w))
        && words.len() > 1
    {
        return None;
    }
    let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
    let pair = |first: &[&str], second: &str| {
        words
            .windows(2)
            .any(|p| first.contains(&p[0]) && p[1] == second)
    };
    if has(&["EMAIL", "EMAILADDRESS", "EMAILADDR"]) || pair(&["E"], "MAIL") {
        Some(Looks::Email)
    } else if has(&[
        "PHONE",
        "TELEPHONE",
        "PHONENUMBER",
        "FAX",
        "MOBILE",
        "CELLPHONE",
    ]) {
        Some(Looks::Phone)
    } else if has(&[
        "SURNAME",
        "FIRSTNAME",
        "LASTNAME",
        "GIVENNAME",
        "FORENAME",
        "MIDDLENAME",
        "FULLNAME",
        "MAIDENNAME",
    ]) || pair(
        &[
            "FIRST", "LAST", "GIVEN", "MIDDLE", "FAMILY", "MAIDEN", "FULL", "PERSON", "CONTACT",
        ],
        "NAME",
    ) {
        Some(Looks::PersonName)
    } else if has(&["BIRTH", "BIRTHDATE", "BIRTHDAY", "DOB"]) {
        Some(Looks::BirthDate)
    } else if has(&["SIN", "SSN", "PASSPORT"]) || pair(&["SOCIAL"], "INSURANCE") {
        Some(Looks::IdentityNumber)
    } else if has(&["POSTAL", "POSTCODE", "ZIP", "ZIPCODE"]) {
        Some(Looks::PostalCode)
    } else if has(&["ADDRESS", "ADDR", "STREET"]) && !has(&["IP", "MAC", "URL", "WEB"]) {
        Some(Looks::Address)
    } else {
        None
    }
}

/// `name@domain.tld`, nothing else.
pub fn looks_like_email(value: &str) -> bool {
    let value = value.trim();
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    !local.is_empty()
        && !host.is_empty()
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && !value.contains(|c: char| c.is_whitespace() || c == ',' || c == ';')
        && !domain.contains('@')
}

/// 10 to 15 digits written as phone numbers are: with `+`, parentheses, dashes, dots or blanks
/// between groups (a bare run of digits is as likely a key or a code).
pub fn looks_like_phone(value: &str) -> bool {
    let value = value.trim();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let separated = value.contains(['+', '(', '-', '.', ' ']);
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | '.' | ' '));
    // Four dotted groups of at most three digits is an IPv4 address.
    let ipv4 = value.split('.').count() == 4 && value.split('.').all(|g| g.len() <= 3);
    allowed && separated && (10..=15).contains(&digits) && !ipv4
}

/// Why a column looks personal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Its name says so.
    Name(Looks),
    /// `of` of the `sampled` values look so.
    Values {
        looks: Looks,
        of: usize,
        sampled: usize,
    },
    /// `of` of the `sampled` values equal values of `masked`, a masked column.
    EqualsMasked {
        masked: String,
        of: usize,
        sampled: usize,
    },
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Name(looks) => write!(f, "its name suggests {}", looks.what()),
            Why::Values { looks, of, sampled } => write!(
                f,
                "{of} of {sampled} sampled values look like {}",
                looks.what()
            ),
            Why::EqualsMasked {
                masked,
                of,
                sampled,
            } => write!(
                f,
                "{of} of {sampled} sampled values equal values of {masked}, which is masked"
            ),
        }
    }
}

/// A column that looks personal and is not classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suspect {
    /// `SCHEMA.TABLE.COLUMN`.
    pub column: String,
    pub why: Why,
    /// The classification line that would mask it (`TABLE,COLUMN,Protected B,STRATEGY`).
    pub line: String,
}

impl Suspect {
    fn new(table: &Table, column: &Column, why: Why) -> Suspect {
        let looks = match &why {
            Why::Name(l) | Why::Values { looks: l, .. } => Some(*l),
            Why::EqualsMasked { .. } => None,
        };
        // A strategy that fits the column's type, else none (the type's default).
        let strategy = looks
            .map(Looks::strategy)
            .filter(|s| Strategy::parse(s).is_ok_and(|s| s.fits(&column.neutral_type).is_ok()))
            .unwrap_or("");
        Suspect {
            column: format!("{}.{}.{}", table.schema, table.name, column.name),
            line: format!("{},{},Protected B,{strategy}", table.name, column.name),
            why,
        }
    }
}

impl fmt::Display for Suspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}; to mask it, add to the classification: {}",
            self.column, self.why, self.line
        )
    }
}

/// The columns of scope table `index` that no classification line names and no foreign key
/// ties to a masked column: the ones these checks look at.
pub fn unclassified<'t>(masking: &Masking, index: usize, table: &'t Table) -> Vec<&'t Column> {
    let classified = masking.classified.get(index);
    table
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .filter(|c| !masking.table(index).iter().any(|m| m.column == c.name))
        .filter(|c| classified.is_none_or(|names| !names.contains(&c.name)))
        .collect()
}

/// The unclassified columns of the subset whose names look personal.
pub fn by_names(scope: &Scope, masking: &Masking) -> Vec<Suspect> {
    let mut out = Vec::new();
    for (i, st) in scope.tables.iter().enumerate() {
        for column in unclassified(masking, i, &st.table) {
            if let Some(looks) = by_name(&column.name) {
                out.push(Suspect::new(&st.table, column, Why::Name(looks)));
            }
        }
    }
    out
}

/// Whether the value checks read a column: text, whose values can hold an address or number.
pub fn is_text(column: &Column) -> bool {
    matches!(
        column.neutral_type,
        NeutralType::Text { .. }
            | NeutralType::NationalText { .. }
            | NeutralType::Lob {
                lob: LobKind::Character | LobKind::National
            }
    )
}

/// The digests of masked values seen, by the masked column they came from; at most
/// [`MAX_MASKED_DIGESTS`].
#[derive(Default)]
pub struct MaskedDigests {
    columns: Vec<String>,
    digests: HashMap<[u8; 32], usize>,
}

impl MaskedDigests {
    /// Remembers the digest at the start of a source's reply for masked column `column`
    /// (`SCHEMA.TABLE.COLUMN`); replies without one are ignored.
    pub fn add_reply(&mut self, column: &str, reply: &str) {
        if self.digests.len() >= MAX_MASKED_DIGESTS {
            return;
        }
        let Some(digest) = reply.get(..64).and_then(parse_hex) else {
            return;
        };
        let index = match self.columns.iter().position(|c| c == column) {
            Some(i) => i,
            None => {
                self.columns.push(column.to_string());
                self.columns.len() - 1
            }
        };
        self.digests.entry(digest).or_insert(index);
    }

    /// Whether more replies are worth reading.
    pub fn full(&self) -> bool {
        self.digests.len() >= MAX_MASKED_DIGESTS
    }
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The sampled values of one unclassified text column: how many look like e-mail addresses or
/// phone numbers, and the digests of those long enough to compare with masked values.
#[derive(Default)]
pub struct ColumnSample {
    values: usize,
    emails: usize,
    phones: usize,
    digests: Vec<[u8; 32]>,
}

impl ColumnSample {
    /// Looks at one non-NULL value, while fewer than [`SAMPLE_ROWS`] were.
    pub fn add(&mut self, value: &str) {
        if self.values >= SAMPLE_ROWS || value.trim().is_empty() {
            return;
        }
        self.values += 1;
        self.emails += usize::from(looks_like_email(value));
        self.phones += usize::from(looks_like_phone(value));
        if value.chars().count() >= MIN_EQUAL_CHARS {
            self.digests.push(Sha256::digest(value.as_bytes()).into());
        }
    }

    /// Why the sample looks personal, if it does: a tenth of its values e-mail addresses, half
    /// of them phone numbers, or at least 3 and a twentieth of them equal to masked values.
    pub fn verdict(&self, masked: &MaskedDigests) -> Option<Why> {
        let sampled = self.values;
        if sampled == 0 {
            return None;
        }
        if self.emails * 10 >= sampled {
            return Some(Why::Values {
                looks: Looks::Email,
                of: self.emails,
                sampled,
            });
        }
        if self.phones * 2 >= sampled {
            return Some(Why::Values {
                looks: Looks::Phone,
                of: self.phones,
                sampled,
            });
        }
        let mut by_column: HashMap<usize, usize> = HashMap::new();
        for digest in &self.digests {
            if let Some(&c) = masked.digests.get(digest) {
                *by_column.entry(c).or_default() += 1;
            }
        }
        let (column, of) = by_column.into_iter().max_by_key(|&(c, n)| (n, c))?;
        (of >= 3 && of * 20 >= sampled).then(|| Why::EqualsMasked {
            masked: masked.columns[column].clone(),
            of,
            sampled,
        })
    }

    /// The suspect this sample makes of `column` of `table`, if any.
    pub fn suspect(
        &self,
        table: &Table,
        column: &Column,
        masked: &MaskedDigests,
    ) -> Option<Suspect> {
        self.verdict(masked)
            .map(|why| Suspect::new(table, column, why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_personal() {
        for (name, looks) in [
            ("APPLICANT_EMAIL_ADDRESS", Looks::Email),
            ("contact_email", Looks::Email),
            ("E_MAIL", Looks::Email),
            ("BUSINESS_PHONE", Looks::Phone),
            ("FAX_NUMBER", Looks::Phone),
            ("PHONE_NO", Looks::Phone),
            ("SURNAME", Looks::PersonName),
            ("LEGAL_FIRST_NAME", Looks::PersonName),
            ("contact_name", Looks::PersonName),
            ("ADDRESS_1", Looks::Address),
            ("STREET", Looks::Address),
            ("POSTAL_CODE", Looks::PostalCode),
            ("BIRTHDATE", Looks::BirthDate),
            ("DATE_OF_BIRTH", Looks::BirthDate),
            ("SIN", Looks::IdentityNumber),
            ("EMPLOYEE_SSN", Looks::IdentityNumber),
        ] {
            assert_eq!(by_name(name), Some(looks), "{name}");
        }
        for name in [
            "CLIENT_NAME_ID",
            "ORCHARD_NAME",
            "CARRIER_NAME",
            "SEEDLOT_NUMBER",
            "IP_ADDRESS",
            "BUSINESS_SINCE",
            "MAILING_LIST_CODE",
            "RETURNED_MAIL_DATE",
            "ZIPPED",
            "address_id",
            "MAILING_ADDRESS_KEY",
        ] {
            assert_eq!(by_name(name), None, "{name}");
        }
    }

    #[test]
    fn values_that_look_like_e_mail_addresses_and_phone_numbers() {
        assert!(looks_like_email("jane.doe@example.gov.bc.ca"));
        assert!(looks_like_email(" a@b.io "));
        for v in [
            "a@b",
            "@b.com",
            "a b@c.com",
            "a@b.c0m",
            "x@y@z.com",
            "a@b.com,c@d.com",
        ] {
            assert!(!looks_like_email(v), "{v}");
        }
        for v in [
            "250-555-0134",
            "+1 (250) 555 0134",
            "250.555.0134",
            "+44 20 7946 0958",
        ] {
            assert!(looks_like_phone(v), "{v}");
        }
        for v in [
            "2505550134",
            "2024-01-31",
            "192.168.100.200",
            "12-34",
            "1,234,567,890",
        ] {
            assert!(!looks_like_phone(v), "{v}");
        }
    }

    #[test]
    fn samples_are_bounded_and_judged() {
        let mut emails = ColumnSample::default();
        for i in 0..SAMPLE_ROWS + 50 {
            emails.add(&format!("person{i}@example.org"));
        }
        assert_eq!(emails.values, SAMPLE_ROWS);
        let none = MaskedDigests::default();
        assert!(matches!(
            emails.verdict(&none),
            Some(Why::Values {
                looks: Looks::Email,
                of: SAMPLE_ROWS,
                ..
            })
        ));

        // Equal to a masked column's values, known only by their digests.
        let mut masked = MaskedDigests::default();
        let mut copies = ColumnSample::default();
        for i in 0..40 {
            let value = format!("Client Number {i}");
            let digest: [u8; 32] = Sha256::digest(value.as_bytes()).into();
            let reply: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            masked.add_reply("THE.CLIENT.NAME", &format!("{reply}Aaaaaa Aaaaaa 99"));
            copies.add(&value);
            copies.add("something else entirely");
        }
        assert_eq!(
            copies.verdict(&masked),
            Some(Why::EqualsMasked {
                masked: "THE.CLIENT.NAME".into(),
                of: 40,
                sampled: 80
            })
        );
        let mut neutral = ColumnSample::default();
        neutral.add("Client Number 1");
        for _ in 0..99 {
            neutral.add("other");
        }
        assert_eq!(neutral.verdict(&masked), None, "1 of 100 is chance");
    }
}
