//! Reading an import file into rows: CSV (one contract a row, a header naming the columns) or
//! JSON lines (one contract an object). Each row keeps its line number, and every fault of its
//! cells is reported with the field it belongs to, so a file with one bad cell in row 3,000 says
//! exactly that.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::domain::contract::{HistoricInput, PartyInput, TAXONOMY};
use crate::domain::FieldError;

/// The formats an import file comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    /// The format a `Content-Type` names (`text/csv`, `application/x-ndjson`, `application/jsonl`).
    pub fn from_mime(mime: &str) -> Option<Format> {
        match mime {
            "text/csv" | "application/csv" => Some(Format::Csv),
            "application/x-ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/jsonlines" => Some(Format::JsonLines),
            _ => None,
        }
    }

    /// The format a file's name suggests (`.csv`, `.jsonl`, `.ndjson`).
    pub fn from_file_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Format::JsonLines)
        } else {
            None
        }
    }
}

/// A row of the file: where it is, what it holds, and the faults of its cells. A CSV row whose
/// cell cannot be read still carries the rest (the faulty cell as a stand-in), so the domain's
/// checks of the other cells are reported with it; a JSON line that is not a contract carries
/// nothing.
pub struct Row {
    pub line: u64,
    pub input: Option<HistoricInput>,
    pub faults: Vec<FieldError>,
}

impl Row {
    /// Whether a fault of the domain's on `field` only repeats a fault of a cell (a date that
    /// could not be read makes every comparison of dates meaningless; likewise amounts).
    pub fn masks(&self, field: &str) -> bool {
        fn group(f: &str) -> &str {
            match f {
                "registered_on" | "signing_date" | "validity_start" | "validity_end" => "dates",
                f if f.starts_with("contract_amount") || f.starts_with("technology_amount") => {
                    "amounts"
                }
                "seller_organization_id" => "seller.organization_id",
                "buyer_organization_id" => "buyer.organization_id",
                other => other,
            }
        }
        self.faults.iter().any(|f| group(&f.field) == group(field))
    }
}

/// A fault of the file as a whole (no header, an unknown column), reported on its line.
#[derive(Debug)]
pub struct FileFault {
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// The columns of an import CSV, in the order the template lists them. The amounts may be given
/// in fen or in yuan (two decimals at most), whichever the source system exported.
pub const COLUMNS: &[&str] = &[
    "registration_number",
    "registered_on",
    "taxonomy",
    "contract_type",
    "contract_subtype",
    "title",
    "signing_date",
    "validity_start",
    "validity_end",
    "contract_amount_fen",
    "technology_amount_fen",
    "contract_amount_yuan",
    "technology_amount_yuan",
    "field",
    "ip_kinds",
    "seller_name",
    "seller_party_nature",
    "seller_region",
    "seller_zone",
    "seller_organization_id",
    "buyer_name",
    "buyer_party_nature",
    "buyer_region",
    "buyer_zone",
    "buyer_organization_id",
];

const REQUIRED: &[&str] = &[
    "registration_number",
    "registered_on",
    "contract_type",
    "title",
    "signing_date",
    "validity_start",
    "validity_end",
    "field",
    "seller_name",
    "seller_party_nature",
    "seller_region",
    "buyer_name",
    "buyer_party_nature",
    "buyer_region",
];

pub fn read(format: Format, body: &[u8]) -> Result<Vec<Row>, FileFault> {
    let text = std::str::from_utf8(body).map_err(|e| FileFault {
        line: 1 + body[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64,
        field: "file".into(),
        message: "is not UTF-8 text: save the file as UTF-8".into(),
    })?;
    // Spreadsheets saving "CSV UTF-8" put a byte-order mark first.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        Format::Csv => read_csv(text),
        Format::JsonLines => Ok(read_json_lines(text)),
    }
}

fn read_json_lines(text: &str) -> Vec<Row> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let mut de = serde_json::Deserializer::from_str(l);
            match serde_path_to_error::deserialize::<_, HistoricInput>(&mut de) {
                Ok(input) => Row {
                    line: i as u64 + 1,
                    input: Some(input),
                    faults: Vec::new(),
                },
                Err(e) => {
                    let path = e.path().to_string();
                    let field = if path == "." {
                        "line".to_string()
                    } else {
                        path
                    };
                    Row {
                        line: i as u64 + 1,
                        input: None,
                        faults: vec![FieldError::new(field, e.into_inner().to_string())],
                    }
                }
            }
        })
        .collect()
}

fn read_csv(text: &str) -> Result<Vec<Row>, FileFault> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let fault = |line: u64, field: &str, message: String| FileFault {
        line,
        field: field.into(),
        message,
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fault(1, "header", format!("cannot be read: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    for (i, name) in header.iter().enumerate() {
        if !COLUMNS.contains(&name.as_str()) {
            return Err(fault(
                1,
                "header",
                format!(
                    "column {} is '{}', which is not an import column; the columns are: {}",
                    i + 1,
                    name.chars().take(40).collect::<String>(),
                    COLUMNS.join(", ")
                ),
            ));
        }
        if header[..i].contains(name) {
            return Err(fault(1, "header", format!("column '{name}' appears twice")));
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(fault(
            1,
            "header",
            format!("lacks the column(s) {}", missing.join(", ")),
        ));
    }
    let mut rows = Vec::new();
    let mut lines = Lines::new(text);
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| lines.of(p));
            fault(line, "row", format!("cannot be read: {e}"))
        })?;
        let line = record.position().map_or(0, |p| lines.of(p));
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            rows.push(Row {
                line,
                input: None,
                faults: vec![FieldError::new(
                    "row",
                    format!(
                        "has {} cells where the header has {} columns",
                        record.len(),
                        header.len()
                    ),
                )],
            });
            continue;
        }
        let cell = |name: &str| -> Option<&str> {
            header
                .iter()
                .position(|h| h == name)
                .map(|i| &record[i])
                .filter(|v| !v.is_empty())
        };
        let (input, faults) = csv_row(&cell);
        rows.push(Row {
            line,
            input: Some(input),
            faults,
        });
    }
    Ok(rows)
}

/// Where records start, as line numbers. The reader's own count and offset both stop before
/// the blank lines it skips to reach a record, and a person opens the file at the line we
/// name. Records come in order, so each count goes on from the last (a whole-file count per
/// record made a 20,000-row file take seconds).
struct Lines<'t> {
    bytes: &'t [u8],
    at: usize,
    line: u64,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    fn of(&mut self, p: &csv::Position) -> u64 {
        let mut upto = (p.byte() as usize).min(self.bytes.len());
        while upto < self.bytes.len() && matches!(self.bytes[upto], b'\n' | b'\r') {
            upto += 1;
        }
        if upto < self.at {
            // Not in order after all: count from the start.
            self.at = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.at..upto]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.at = upto;
        self.line
    }
}

/// Collects the faults of a row's cells.
struct Cells<'a, F: Fn(&str) -> Option<&'a str>> {
    cell: F,
    errors: Vec<FieldError>,
}

impl<'a, F: Fn(&str) -> Option<&'a str>> Cells<'a, F> {
    fn text(&mut self, column: &str) -> String {
        (self.cell)(column).unwrap_or_default().to_string()
    }

    fn optional(&self, column: &str) -> Option<String> {
        (self.cell)(column).map(str::to_string)
    }

    fn date(&mut self, column: &str) -> NaiveDate {
        match (self.cell)(column).map(str::parse::<NaiveDate>) {
            Some(Ok(d)) => d,
            Some(Err(_)) => {
                self.errors.push(FieldError::new(
                    column,
                    "must be a date written YYYY-MM-DD, e.g. 2021-04-12",
                ));
                NaiveDate::MIN
            }
            None => {
                self.errors.push(FieldError::new(column, "is required"));
                NaiveDate::MIN
            }
        }
    }

    fn uuid(&mut self, column: &str) -> Option<Uuid> {
        let raw = (self.cell)(column)?;
        match raw.parse() {
            Ok(id) => Some(id),
            Err(_) => {
                self.errors.push(FieldError::new(
                    column,
                    "must be an organization's id (a UUID), or left empty",
                ));
                None
            }
        }
    }

    /// An amount from the `_fen` column, or else from the `_yuan` one; not both.
    fn amount(&mut self, name: &str) -> i64 {
        let fen_column = format!("{name}_fen");
        let yuan_column = format!("{name}_yuan");
        match ((self.cell)(&fen_column), (self.cell)(&yuan_column)) {
            (Some(_), Some(_)) => {
                self.errors.push(FieldError::new(
                    &fen_column,
                    format!("give the amount in {fen_column} or in {yuan_column}, not both"),
                ));
                0
            }
            (Some(fen), None) => fen.parse().unwrap_or_else(|_| {
                self.errors.push(FieldError::new(
                    &fen_column,
                    "must be a whole number of fen (1元 = 100 fen), e.g. 8000000",
                ));
                0
            }),
            (None, Some(yuan)) => yuan_to_fen(yuan).unwrap_or_else(|| {
                self.errors.push(FieldError::new(
                    &yuan_column,
                    "must be an amount in yuan with at most two decimals, e.g. 80000.50",
                ));
                0
            }),
            (None, None) => {
                self.errors.push(FieldError::new(
                    &fen_column,
                    format!("is required (or {yuan_column})"),
                ));
                0
            }
        }
    }

    fn party(&mut self, side: &str) -> PartyInput {
        PartyInput {
            organization_id: self.uuid(&format!("{side}_organization_id")),
            name: self.text(&format!("{side}_name")),
            party_nature: self.text(&format!("{side}_party_nature")),
            region: self.text(&format!("{side}_region")),
            zone: self.optional(&format!("{side}_zone")),
        }
    }
}

/// `80000.5` yuan as 8,000,050 fen, exactly (no floating point).
fn yuan_to_fen(raw: &str) -> Option<i64> {
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

fn csv_row<'a>(cell: &impl Fn(&str) -> Option<&'a str>) -> (HistoricInput, Vec<FieldError>) {
    let mut c = Cells {
        cell,
        errors: Vec::new(),
    };
    let input = HistoricInput {
        registration_number: c.text("registration_number"),
        registered_on: c.date("registered_on"),
        taxonomy: c
            .optional("taxonomy")
            .unwrap_or_else(|| TAXONOMY.to_string()),
        contract_type: c.text("contract_type"),
        contract_subtype: c.optional("contract_subtype"),
        title: c.text("title"),
        seller: c.party("seller"),
        buyer: c.party("buyer"),
        signing_date: c.date("signing_date"),
        validity_start: c.date("validity_start"),
        validity_end: c.date("validity_end"),
        contract_amount_fen: c.amount("contract_amount"),
        technology_amount_fen: c.amount("technology_amount"),
        field: c.text("field"),
        ip_kinds: c
            .optional("ip_kinds")
            .map(|s| {
                s.split(';')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    };
    (input, c.errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "registration_number,registered_on,taxonomy,contract_type,title,signing_date,validity_start,validity_end,contract_amount_yuan,technology_amount_fen,field,ip_kinds,seller_name,seller_party_nature,seller_region,buyer_name,buyer_party_nature,buyer_region";

    #[test]
    fn yuan_become_fen_exactly() {
        assert_eq!(yuan_to_fen("80000"), Some(8_000_000));
        assert_eq!(yuan_to_fen("80000.5"), Some(8_000_050));
        assert_eq!(yuan_to_fen("0.07"), Some(7));
        for bad in ["", ".5", "1.234", "-3", "1e5", "1,000", "12a"] {
            assert_eq!(yuan_to_fen(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_csv_row_becomes_an_input_with_its_line() {
        let text = format!(
            "\u{feff}{HEADER}\n\
             2021-1,2021-04-12,2001,consulting,页岩气咨询,2021-03-30,2021-04-01,2022-03-31,80000.5,7500000,new_energy,invention_patent; software_copyright,重庆大学,021,500106,某公司,170,500112\n\
             \n\
             2021-2,2021-13-01,,consulting,x,2021-03-30,2021-04-01,2022-03-31,12.345,oops,new_energy,,a,021,500106,b,170,500112\n"
        );
        let rows = read(Format::Csv, text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert!(rows[0].faults.is_empty());
        let first = rows[0].input.as_ref().unwrap();
        assert_eq!(first.contract_amount_fen, 8_000_050);
        assert_eq!(first.technology_amount_fen, 7_500_000);
        assert_eq!(first.ip_kinds, ["invention_patent", "software_copyright"]);
        assert_eq!(first.seller.name, "重庆大学");
        assert_eq!(rows[1].line, 4);
        let faults: Vec<String> = rows[1].faults.iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            faults,
            [
                "registered_on",
                "contract_amount_yuan",
                "technology_amount_fen"
            ]
        );
    }

    #[test]
    fn a_header_with_a_stranger_or_a_gap_is_refused_whole() {
        let err = read(Format::Csv, b"registration_number,colour\n")
            .err()
            .unwrap();
        assert_eq!((err.line, err.field.as_str()), (1, "header"));
        assert!(err.message.contains("'colour'"), "{}", err.message);
        let err = read(Format::Csv, b"registration_number,title\n")
            .err()
            .unwrap();
        assert!(err.message.contains("registered_on"), "{}", err.message);
        let err = read(Format::Csv, b"\xff\xfe").err().unwrap();
        assert!(err.message.contains("UTF-8"));
    }

    #[test]
    fn a_json_line_names_the_field_at_fault() {
        let rows = read(
            Format::JsonLines,
            b"\n{\"registration_number\": 5}\nnot json\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].faults[0].field, "registration_number");
        assert!(rows[0].input.is_none());
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].faults[0].field, "line");
    }
}
