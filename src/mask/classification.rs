//! The data-classification file: for each column, the information security class its data
//! owners gave it, and optionally how to mask it.
//!
//! Users keep it as a spreadsheet (or a CSV export of one) with the columns `TABLE NAME`,
//! `COLUMN NAME` and `INFO SECURITY CLASS`, plus optionally `SCHEMA` (or `OWNER`) and
//! `STRATEGY`. Header names match ignoring case, surrounding spaces and `_` versus space. The
//! header row need not be the first: titles above it are common, so it is the first of the
//! first [`HEADER_SEARCH_ROWS`] rows that has both `TABLE NAME` and `COLUMN NAME`.
//!
//! This module only reads the file; it neither interprets strategies nor resolves duplicates.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, Result, bail};
use calamine::{Data, Ods, Range, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook_from_rs};

/// One line of a classification: a column and what the file says about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The table as written, qualified as `SCHEMA.TABLE` when the file has a SCHEMA/OWNER
    /// column with a value (else as written in TABLE NAME, which may itself be `SCHEMA.TABLE`).
    pub table: String,
    pub column: String,
    /// The INFO SECURITY CLASS text, trimmed (may be empty).
    pub class: String,
    /// The STRATEGY cell, trimmed, when present and not empty.
    pub strategy: Option<String>,
    /// Where it was read, for messages: e.g. `classification.xlsx, sheet Clients, row 7` or
    /// `classification.csv, line 4` (1-based, as a spreadsheet/editor shows them).
    pub origin: String,
}

impl Entry {
    /// Whether the class asks for masking: anything but `public` (case-insensitive, trimmed).
    /// An empty class counts as masked (unclassified data is treated as sensitive).
    pub fn masked(&self) -> bool {
        !self.class.trim().eq_ignore_ascii_case(PUBLIC)
    }
}

/// The one class that leaves a column as it is.
const PUBLIC: &str = "public";

/// How many rows from the top of a sheet (or records of a CSV) may hold the header row.
pub const HEADER_SEARCH_ROWS: usize = 20;

const TABLE: &str = "TABLE NAME";
const COLUMN: &str = "COLUMN NAME";
const CLASS: &str = "INFO SECURITY CLASS";
const SCHEMA: &str = "SCHEMA";
const OWNER: &str = "OWNER";
const STRATEGY: &str = "STRATEGY";

/// Spreadsheet extensions read through calamine, lowercase.
const SPREADSHEET_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// At most this many header cells are quoted in a message about a header that does not match.
const CELLS_SHOWN: usize = 12;

/// Reads a classification file, by extension: `.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`
/// through calamine (every sheet; a sheet without the header columns is skipped, but if no
/// sheet has them it is an error), `.csv` with the same header rules (a UTF-8 BOM is
/// tolerated). Extensions match case-insensitively.
///
/// Fails, naming the file, when it cannot be opened or parsed, when its extension is none of
/// these (the message lists the supported ones), when no sheet has the expected columns (the
/// message lists the columns looked for and, per sheet, the cells of its first non-blank row, so
/// the user sees the mismatch), when a header has TABLE NAME and COLUMN NAME but no INFO
/// SECURITY CLASS, or when a data row has a table but no column, a column but no table, or a
/// TABLE NAME qualified with a schema other than its SCHEMA cell (naming file, sheet and row).
pub fn read(path: &Path) -> Result<Vec<Entry>> {
    let name = path.display().to_string();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if extension == "csv" {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read classification file {name}: check the path"))?;
        return parse_csv(&bytes, &name);
    }
    if !SPREADSHEET_EXTENSIONS.contains(&extension.as_str()) {
        bail!(
            "classification file {name} is not a supported kind of file: give a spreadsheet \
             ({}) or a .csv file",
            SPREADSHEET_EXTENSIONS.map(|e| format!(".{e}")).join(", ")
        );
    }
    let file = File::open(path)
        .with_context(|| format!("cannot open classification file {name}: check the path"))?;
    let mut book = open_workbook(BufReader::new(file), &extension).with_context(|| {
        format!(
            "cannot read classification file {name} as a .{extension} workbook: check that \
             it is one (re-save it from the spreadsheet program)"
        )
    })?;
    let mut entries = Vec::new();
    let mut any_header = false;
    let mut mismatches = Vec::new();
    for sheet in book.sheet_names() {
        let range = book
            .worksheet_range(&sheet)
            .with_context(|| format!("cannot read sheet {sheet} of classification file {name}"))?;
        match parse_sheet(&range, &name, &sheet)? {
            Parsed::Entries(found) => {
                any_header = true;
                entries.extend(found);
            }
            Parsed::NoHeader(Some(row)) => {
                mismatches.push(format!("sheet {sheet}, {}", describe_row(&row, "row")));
            }
            Parsed::NoHeader(None) => mismatches.push(format!("sheet {sheet} empty")),
        }
    }
    if !any_header {
        if mismatches.is_empty() {
            bail!(
                "classification file {name} has no sheets: add one with {}",
                wanted()
            );
        }
        bail!(
            "classification file {name}: no sheet has a header row with {} in its first \
             {HEADER_SEARCH_ROWS} rows; found {}. Rename the header cells to match (case, \
             surrounding spaces and `_` for a space do not matter)",
            wanted(),
            mismatches.join("; ")
        );
    }
    Ok(entries)
}

/// Parses a classification in CSV form; `name` names it in origins and messages. The header
/// row is found as in a spreadsheet (see the module documentation); a UTF-8 BOM is skipped.
///
/// Fails, naming `name`, when the text is not UTF-8, when no header row with the expected
/// columns is found, and on the data-row errors described at [`read`].
pub fn parse_csv(bytes: &[u8], name: &str) -> Result<Vec<Entry>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(rows.len() + 1, |p| p.line() as usize);
                rows.push((line, record.iter().map(|c| c.trim().to_string()).collect()));
            }
            Err(err) => return Err(csv_error(err, name)),
        }
    }
    let place = Place {
        file: name,
        sheet: None,
    };
    match parse_rows(rows, &place)? {
        Parsed::Entries(entries) => Ok(entries),
        Parsed::NoHeader(first_row) => {
            let hint = match &first_row {
                Some((_, cells)) if cells.len() == 1 && cells[0].contains([';', '\t']) => {
                    " (its cells seem separated by `;` or tabs: export it with commas)"
                }
                _ => "",
            };
            bail!(
                "classification file {name}: no header row with {} in its first \
                 {HEADER_SEARCH_ROWS} lines; found {}{hint}. Rename the header cells to match \
                 (case, surrounding spaces and `_` for a space do not matter)",
                wanted(),
                first_row.map_or("nothing".to_string(), |row| describe_row(&row, "line"))
            )
        }
    }
}

/// Opens a workbook of the kind its (lowercase) extension names, so that a damaged file fails
/// with that format's error rather than "cannot detect file format".
fn open_workbook(
    reader: BufReader<File>,
    extension: &str,
) -> Result<Sheets<BufReader<File>>, calamine::Error> {
    Ok(match extension {
        "xls" => Sheets::Xls(open_workbook_from_rs::<Xls<_>, _>(reader)?),
        "xlsb" => Sheets::Xlsb(open_workbook_from_rs::<Xlsb<_>, _>(reader)?),
        "ods" => Sheets::Ods(open_workbook_from_rs::<Ods<_>, _>(reader)?),
        _ => Sheets::Xlsx(open_workbook_from_rs::<Xlsx<_>, _>(reader)?),
    })
}

fn csv_error(err: csv::Error, name: &str) -> anyhow::Error {
    match err.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => {
            let line = pos
                .as_ref()
                .map(|p| format!(", line {}", p.line()))
                .unwrap_or_default();
            anyhow::anyhow!(
                "classification file {name}{line} is not UTF-8 text: save it as \"CSV UTF-8\""
            )
        }
        _ => anyhow::anyhow!("cannot read classification file {name} as CSV: {err}"),
    }
}

/// Where rows come from: a CSV file, or one sheet of a workbook.
struct Place<'a> {
    file: &'a str,
    sheet: Option<&'a str>,
}

impl Place<'_> {
    /// The origin of row (or line) `number`, 1-based.
    fn at(&self, number: usize) -> String {
        match self.sheet {
            Some(sheet) => format!("{}, sheet {sheet}, row {number}", self.file),
            None => format!("{}, line {number}", self.file),
        }
    }
}

/// What one sheet (or CSV) holds.
#[derive(Debug)]
enum Parsed {
    /// It has a header row; these are its entries (maybe none).
    Entries(Vec<Entry>),
    /// It has no header row; here is its first non-blank row, for the message.
    NoHeader(Option<(usize, Vec<String>)>),
}

/// The positions of the known columns in a header row.
#[derive(Debug)]
struct Header {
    table: usize,
    column: usize,
    class: Option<usize>,
    schema: Option<usize>,
    strategy: Option<usize>,
}

impl Header {
    /// The header described by `cells`, if it has both TABLE NAME and COLUMN NAME. When a name
    /// appears twice, the leftmost counts.
    fn find(cells: &[String]) -> Option<Header> {
        let names: Vec<String> = cells.iter().map(|c| header_name(c)).collect();
        let position = |wanted: &str| names.iter().position(|n| n == wanted);
        Some(Header {
            table: position(TABLE)?,
            column: position(COLUMN)?,
            class: position(CLASS),
            schema: position(SCHEMA).or_else(|| position(OWNER)),
            strategy: position(STRATEGY),
        })
    }
}

/// A header cell in the form the known names are written in: uppercase, `_` as a space, runs
/// of whitespace (including line breaks inside a wrapped cell) as one space.
fn header_name(cell: &str) -> String {
    cell.replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// Parses one sheet of a workbook, numbering rows as the spreadsheet program shows them.
fn parse_sheet(range: &Range<Data>, file: &str, sheet: &str) -> Result<Parsed> {
    // A range starts at its first non-empty cell, not necessarily at A1.
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let rows = range.rows().enumerate().map(|(i, cells)| {
        (
            first_row + i + 1,
            cells.iter().map(cell_text).collect::<Vec<_>>(),
        )
    });
    parse_rows(
        rows,
        &Place {
            file,
            sheet: Some(sheet),
        },
    )
}

/// A cell as text: strings trimmed, numbers without a trailing `.0`, booleans as Excel shows
/// them, dates as their serial number, errors and empty cells empty.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(n) => n.to_string(),
        // f64's Display already prints 7.0 as `7`.
        Data::Float(n) => n.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::Bool(true) => "TRUE".to_string(),
        Data::Bool(false) => "FALSE".to_string(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// The shared reading of a sheet or CSV: `rows` are (1-based number, trimmed cells).
fn parse_rows(
    rows: impl IntoIterator<Item = (usize, Vec<String>)>,
    place: &Place,
) -> Result<Parsed> {
    let mut rows = rows.into_iter();
    let mut first_non_blank = None;
    let mut header = None;
    for (number, cells) in rows.by_ref().take(HEADER_SEARCH_ROWS) {
        if let Some(found) = Header::find(&cells) {
            header = Some((number, cells, found));
            break;
        }
        if first_non_blank.is_none() && cells.iter().any(|c| !c.is_empty()) {
            first_non_blank = Some((number, cells));
        }
    }
    let Some((header_row, header_cells, header)) = header else {
        return Ok(Parsed::NoHeader(first_non_blank));
    };
    let Some(class) = header.class else {
        bail!(
            "{}: the header has {TABLE} and {COLUMN} but no {CLASS} column (found {}): add \
             that column with each column's class (`public` for data that need no masking)",
            place.at(header_row),
            quote_cells(&header_cells)
        );
    };
    let cell = |cells: &[String], at: Option<usize>| -> String {
        at.and_then(|i| cells.get(i)).cloned().unwrap_or_default()
    };
    let mut entries = Vec::new();
    for (number, cells) in rows {
        let table = cell(&cells, Some(header.table));
        let column = cell(&cells, Some(header.column));
        if table.is_empty() && column.is_empty() {
            continue;
        }
        let origin = place.at(number);
        if column.is_empty() {
            bail!(
                "{origin}: table {table} has no {COLUMN}: fill it in, or clear the row if it \
                 is not a column"
            );
        }
        if table.is_empty() {
            bail!("{origin}: column {column} has no {TABLE}: fill it in, or clear the row");
        }
        let schema = cell(&cells, header.schema);
        let strategy = cell(&cells, header.strategy);
        entries.push(Entry {
            table: qualify(&schema, &table, &origin)?,
            column,
            class: cell(&cells, Some(class)),
            strategy: (!strategy.is_empty()).then_some(strategy),
            origin,
        });
    }
    Ok(Parsed::Entries(entries))
}

/// `SCHEMA.TABLE`, or the table as written when there is no schema or the table already names
/// the same one. Fails when the table names another schema than the SCHEMA cell.
fn qualify(schema: &str, table: &str, origin: &str) -> Result<String> {
    if schema.is_empty() {
        return Ok(table.to_string());
    }
    match table.split_once('.') {
        None => Ok(format!("{schema}.{table}")),
        Some((prefix, _)) if prefix.eq_ignore_ascii_case(schema) => Ok(table.to_string()),
        Some((prefix, _)) => bail!(
            "{origin}: {TABLE} {table} names schema {prefix}, but {SCHEMA} says {schema}: \
             write the table without its schema, or correct one of them"
        ),
    }
}

/// The columns looked for, for messages.
fn wanted() -> String {
    format!("the columns {TABLE}, {COLUMN} and {CLASS} (optional: {SCHEMA} or {OWNER}, {STRATEGY})")
}

/// `row 3: "A", "B"`: a sheet's (or CSV's) first non-blank row, for a message.
fn describe_row((number, cells): &(usize, Vec<String>), unit: &str) -> String {
    format!("{unit} {number}: {}", quote_cells(cells))
}

/// The non-empty cells of a row, quoted, at most [`CELLS_SHOWN`] of them.
fn quote_cells(cells: &[String]) -> String {
    let shown: Vec<String> = cells
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| format!("{c:?}"))
        .collect();
    if shown.is_empty() {
        return "no header cells".to_string();
    }
    if shown.len() > CELLS_SHOWN {
        return format!("{}, …", shown[..CELLS_SHOWN].join(", "));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    use rust_xlsxwriter::Workbook;

    /// Writes `sheets` (name, rows of cells; `""` leaves a cell empty) as an .xlsx file.
    fn write_xlsx(path: &Path, sheets: &[(&str, &[&[&str]])]) {
        let mut book = Workbook::new();
        for (name, rows) in sheets {
            let sheet = book.add_worksheet();
            sheet.set_name(*name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, text) in row.iter().enumerate() {
                    if !text.is_empty() {
                        sheet.write_string(r as u32, c as u16, *text).unwrap();
                    }
                }
            }
        }
        book.save(path).unwrap();
    }

    fn entry(
        table: &str,
        column: &str,
        class: &str,
        strategy: Option<&str>,
        origin: &str,
    ) -> Entry {
        Entry {
            table: table.to_string(),
            column: column.to_string(),
            class: class.to_string(),
            strategy: strategy.map(str::to_string),
            origin: origin.to_string(),
        }
    }

    fn error_text(result: Result<Vec<Entry>>) -> String {
        match result {
            Ok(entries) => panic!("expected an error, got {entries:?}"),
            Err(err) => format!("{err:#}"),
        }
    }

    #[test]
    fn reads_every_sheet_with_the_columns_and_skips_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("classification.xlsx");
        let clients: &[&[&str]] = &[
            &["Data classification — Clients"],
            &["TABLE NAME", "COLUMN NAME", "INFO SECURITY CLASS"],
            &["CLIENTS", "CLIENT_ID", "Public"],
            &["CLIENTS", "EMAIL", " Confidential "],
            &[],
            &["CLIENTS", "SIN", "PROTECTED B"],
            &["CLIENTS", "NOTES", ""],
        ];
        let notes: &[&[&str]] = &[&["Remarks", "Author"], &["Reviewed in May", "J. Smith"]];
        let locations: &[&[&str]] = &[
            &["", "", ""],
            &[
                "strategy",
                "Info_Security_Class",
                "column_name",
                "Schema",
                " table name ",
            ],
            &["fake:address", "Protected A", "STREET", "HR", "LOCATIONS"],
            &["", "public", "CITY", "", "hr.LOCATIONS"],
            &["keep", "Unclassified", "COUNTRY_ID", "HR", "HR.LOCATIONS"],
        ];
        write_xlsx(
            &path,
            &[
                ("Clients", clients),
                ("Notes", notes),
                ("Locations", locations),
            ],
        );

        let entries = read(&path).unwrap();

        let at = |sheet: &str, row: usize| format!("{}, sheet {sheet}, row {row}", path.display());
        assert_eq!(
            entries,
            vec![
                entry("CLIENTS", "CLIENT_ID", "Public", None, &at("Clients", 3)),
                entry("CLIENTS", "EMAIL", "Confidential", None, &at("Clients", 4)),
                entry("CLIENTS", "SIN", "PROTECTED B", None, &at("Clients", 6)),
                entry("CLIENTS", "NOTES", "", None, &at("Clients", 7)),
                entry(
                    "HR.LOCATIONS",
                    "STREET",
                    "Protected A",
                    Some("fake:address"),
                    &at("Locations", 3)
                ),
                entry("hr.LOCATIONS", "CITY", "public", None, &at("Locations", 4)),
                entry(
                    "HR.LOCATIONS",
                    "COUNTRY_ID",
                    "Unclassified",
                    Some("keep"),
                    &at("Locations", 5)
                ),
            ]
        );
        let masked: Vec<bool> = entries.iter().map(Entry::masked).collect();
        assert_eq!(masked, [false, true, true, true, true, false, true]);
    }

    #[test]
    fn header_rows_start_at_the_first_non_empty_row_of_a_sheet() {
        // Nothing in rows 1–3: calamine's range starts at row 4, the numbers must not.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("late.xlsx");
        let rows: &[&[&str]] = &[
            &[],
            &[],
            &[],
            &["", "TABLE NAME", "COLUMN NAME", "INFO SECURITY CLASS"],
            &["", "T", "C", "Secret"],
        ];
        write_xlsx(&path, &[("Only", rows)]);

        let entries = read(&path).unwrap();

        let origin = format!("{}, sheet Only, row 5", path.display());
        assert_eq!(entries, vec![entry("T", "C", "Secret", None, &origin)]);
    }

    #[test]
    fn reads_csv_with_bom_and_the_users_column_names() {
        let text = "\u{feff}TABLE NAME,COLUMN NAME,INFO SECURITY CLASS,STRATEGY\n\
                    CLIENTS,EMAIL,Confidential,fake:email\n\
                    ,,,\n\
                    CLIENTS,BIRTH_DATE,PROTECTED B, date_shift:30 \n\
                    CLIENTS,ID,public,\n";

        let entries = parse_csv(text.as_bytes(), "classification.csv").unwrap();

        assert_eq!(
            entries,
            vec![
                entry(
                    "CLIENTS",
                    "EMAIL",
                    "Confidential",
                    Some("fake:email"),
                    "classification.csv, line 2"
                ),
                entry(
                    "CLIENTS",
                    "BIRTH_DATE",
                    "PROTECTED B",
                    Some("date_shift:30"),
                    "classification.csv, line 4"
                ),
                entry(
                    "CLIENTS",
                    "ID",
                    "public",
                    None,
                    "classification.csv, line 5"
                ),
            ]
        );
    }

    #[test]
    fn reads_csv_with_snake_case_headers_and_an_owner_column() {
        let text = "owner,table_name,column_name,info_security_class\n\
                    SALES,ORDERS,CARD_NUMBER,Protected B\n\
                    ,SALES.ORDERS,TOTAL,Public\n";

        let entries = parse_csv(text.as_bytes(), "c.csv").unwrap();

        assert_eq!(
            entries,
            vec![
                entry(
                    "SALES.ORDERS",
                    "CARD_NUMBER",
                    "Protected B",
                    None,
                    "c.csv, line 2"
                ),
                entry("SALES.ORDERS", "TOTAL", "Public", None, "c.csv, line 3"),
            ]
        );
    }

    #[test]
    fn reads_a_csv_file_by_its_extension() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("CLASSIFICATION.CSV");
        std::fs::write(&path, "TABLE NAME,COLUMN NAME,INFO SECURITY CLASS\nT,C,\n").unwrap();

        let entries = read(&path).unwrap();

        let origin = format!("{}, line 2", path.display());
        assert_eq!(entries, vec![entry("T", "C", "", None, &origin)]);
        assert!(
            entries[0].masked(),
            "an empty class is treated as sensitive"
        );
    }

    #[test]
    fn cells_read_as_text() {
        assert_eq!(cell_text(&Data::Float(7.0)), "7");
        assert_eq!(cell_text(&Data::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Data::Int(42)), "42");
        assert_eq!(cell_text(&Data::Bool(true)), "TRUE");
        assert_eq!(cell_text(&Data::String("  A B \n".to_string())), "A B");
        assert_eq!(cell_text(&Data::Empty), "");
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::NA)), "");
    }

    #[test]
    fn a_workbook_without_the_columns_is_an_error_showing_what_was_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrong.xlsx");
        let first: &[&[&str]] = &[&["Table", "Column", "Class"], &["T", "C", "Public"]];
        let second: &[&[&str]] = &[&[], &["Remarks"]];
        write_xlsx(
            &path,
            &[("Inventory", first), ("Notes", second), ("Blank", &[])],
        );

        let message = error_text(read(&path));

        assert_eq!(
            message,
            format!(
                "classification file {}: no sheet has a header row with the columns TABLE \
                 NAME, COLUMN NAME and INFO SECURITY CLASS (optional: SCHEMA or OWNER, \
                 STRATEGY) in its first 20 rows; found sheet Inventory, row 1: \"Table\", \
                 \"Column\", \"Class\"; sheet Notes, row 2: \"Remarks\"; sheet Blank empty. Rename the header \
                 cells to match (case, surrounding spaces and `_` for a space do not matter)",
                path.display()
            )
        );
    }

    #[test]
    fn a_header_beyond_the_first_twenty_rows_is_not_found() {
        let mut text = "title\n".repeat(HEADER_SEARCH_ROWS);
        text.push_str("TABLE NAME,COLUMN NAME,INFO SECURITY CLASS\nT,C,Public\n");

        let message = error_text(parse_csv(text.as_bytes(), "late.csv"));

        assert!(
            message.starts_with("classification file late.csv: no header row with the columns"),
            "{message}"
        );
        assert!(message.contains("found line 1: \"title\""), "{message}");
    }

    #[test]
    fn a_semicolon_separated_csv_gets_a_hint() {
        let text = "TABLE NAME;COLUMN NAME;INFO SECURITY CLASS\nT;C;Public\n";

        let message = error_text(parse_csv(text.as_bytes(), "semi.csv"));

        assert!(message.contains("export it with commas"), "{message}");
    }

    #[test]
    fn a_header_without_the_class_column_is_an_error() {
        let text = "title\nTABLE NAME,COLUMN NAME,CLASS\nT,C,Public\n";

        let message = error_text(parse_csv(text.as_bytes(), "c.csv"));

        assert_eq!(
            message,
            "c.csv, line 2: the header has TABLE NAME and COLUMN NAME but no INFO SECURITY \
             CLASS column (found \"TABLE NAME\", \"COLUMN NAME\", \"CLASS\"): add that column \
             with each column's class (`public` for data that need no masking)"
        );
    }

    #[test]
    fn an_unknown_extension_is_an_error_listing_the_supported_ones() {
        let message = error_text(read(Path::new("classification.json")));

        assert_eq!(
            message,
            "classification file classification.json is not a supported kind of file: give a \
             spreadsheet (.xlsx, .xlsm, .xlsb, .xls, .ods) or a .csv file"
        );
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["missing.xlsx", "missing.csv"] {
            let path = dir.path().join(name);

            let message = error_text(read(&path));

            assert!(
                message.contains(&format!("{}: check the path", path.display())),
                "{message}"
            );
        }
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fake.xlsx");
        std::fs::write(&path, "TABLE NAME,COLUMN NAME\n").unwrap();

        let message = error_text(read(&path));

        assert!(
            message.starts_with(&format!(
                "cannot read classification file {} as a .xlsx workbook",
                path.display()
            )),
            "{message}"
        );
    }

    #[test]
    fn a_row_with_a_table_but_no_column_is_an_error_naming_the_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gap.xlsx");
        let rows: &[&[&str]] = &[
            &["TABLE NAME", "COLUMN NAME", "INFO SECURITY CLASS"],
            &["CLIENTS", "EMAIL", "Confidential"],
            &["CLIENTS", "", "Confidential"],
        ];
        write_xlsx(&path, &[("Clients", rows)]);

        let message = error_text(read(&path));

        assert_eq!(
            message,
            format!(
                "{}, sheet Clients, row 3: table CLIENTS has no COLUMN NAME: fill it in, or \
                 clear the row if it is not a column",
                path.display()
            )
        );
    }

    #[test]
    fn a_row_with_a_column_but_no_table_is_an_error() {
        let text = "TABLE NAME,COLUMN NAME,INFO SECURITY CLASS\n,EMAIL,Confidential\n";

        let message = error_text(parse_csv(text.as_bytes(), "c.csv"));

        assert_eq!(
            message,
            "c.csv, line 2: column EMAIL has no TABLE NAME: fill it in, or clear the row"
        );
    }

    #[test]
    fn a_table_qualified_with_another_schema_is_an_error() {
        let text = "SCHEMA,TABLE NAME,COLUMN NAME,INFO SECURITY CLASS\nHR,SALES.T,C,Public\n";

        let message = error_text(parse_csv(text.as_bytes(), "c.csv"));

        assert!(
            message.starts_with(
                "c.csv, line 2: TABLE NAME SALES.T names schema SALES, but SCHEMA says HR"
            ),
            "{message}"
        );
    }

    #[test]
    fn csv_that_is_not_utf8_is_an_error_with_the_remedy() {
        let bytes = b"TABLE NAME,COLUMN NAME,INFO SECURITY CLASS\nCLIENTS,R\xc9GION,Public\n";

        let message = error_text(parse_csv(bytes, "latin1.csv"));

        assert_eq!(
            message,
            "classification file latin1.csv, line 2 is not UTF-8 text: save it as \"CSV UTF-8\""
        );
    }
}
