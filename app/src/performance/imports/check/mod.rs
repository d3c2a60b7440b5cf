//! Reading a landlord's CSV file of performance figures.
//!
//! Staff upload a whole file; the portal checks every row before anything is
//! written, so a file is either taken whole or refused with a list of
//! problems. The people reading that list are not technical: each problem
//! names the line (as a text editor or spreadsheet numbers it, header = 1),
//! the column, what is wrong and how to put it right.
//!
//! Pure functions only: no database and no clock, so the rules can be tested
//! and reused by the preview and the final write alike.
//!
//! The checker's parts, one concern to a file: `decoding` (bytes to text),
//! `layout` (the header row), `rows` (each row of figures), `values` (years,
//! figures and counts) and `template` (the file and column guide staff are
//! given). This file holds the entry point, `check`, and what it returns.
mod decoding;
mod layout;
mod rows;
pub mod template;
#[cfg(test)]
mod testing;
mod values;

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::performance::model::{Figure, Period, Tenure, Unit};
use decoding::LineIndex;
use layout::Layout;
use rows::{RowChecker, RowKey};

/// Larger files are refused before parsing, so one upload cannot tie up the
/// server; 2 MB holds far more rows than any landlord reports in a year.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
/// The most rows of figures in one file; keeps the preview readable.
pub const MAX_ROWS: usize = 20_000;
/// A person fixes a file from the top; a thousand-line list helps no one.
pub const MAX_REPORTED_ERRORS: usize = 100;
/// The columns the importer reads, in the order the template writes them.
pub const COLUMNS: [&str; 9] = [
    "measure",
    "part",
    "tenure",
    "year",
    "quarter",
    "result",
    "target",
    "responses",
    "method_note",
];

// Positions in `COLUMNS`.
const MEASURE: usize = 0;
const PART: usize = 1;
const TENURE: usize = 2;
const YEAR: usize = 3;
const QUARTER: usize = 4;
const RESULT: usize = 5;
const TARGET: usize = 6;
const RESPONSES: usize = 7;
const METHOD_NOTE: usize = 8;

/// What the importer needs to know about each measure the landlord may report.
#[derive(Debug, Clone)]
pub struct KnownMeasure {
    /// Upper case, e.g. "RP02".
    pub code: String,
    pub unit: Unit,
    /// A perception (survey) measure: a count of responses is allowed.
    pub survey: bool,
    /// Part keys, e.g. ["emergency", "non-emergency"]; empty = no parts.
    pub parts: Vec<String>,
}

/// One valid row, ready to preview and write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    pub line: usize,
    pub code: String,
    /// The catalogue's part key; "" when the measure has no parts.
    pub part: String,
    pub tenure: Tenure,
    pub period: Period,
    pub result: Option<Figure>,
    pub target: Option<Figure>,
    pub responses: Option<i64>,
    pub method_note: String,
}

/// One thing wrong with a file, written for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// None for whole-file problems.
    pub line: Option<usize>,
    /// The column's name as in `COLUMNS`; None when no one column is at fault.
    pub column: Option<String>,
    pub message: String,
}

impl Problem {
    fn file(message: impl Into<String>) -> Problem {
        Problem {
            line: None,
            column: None,
            message: message.into(),
        }
    }

    fn line(line: usize, message: impl Into<String>) -> Problem {
        Problem {
            line: Some(line),
            column: None,
            message: message.into(),
        }
    }

    fn cell(line: usize, column: usize, message: impl Into<String>) -> Problem {
        Problem {
            line: Some(line),
            column: Some(COLUMNS[column].to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    /// "Line 4, column result: A percentage cannot be more than 100. …"
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.column) {
            (Some(line), Some(column)) => write!(f, "Line {line}, column {column}: ")?,
            (Some(line), None) => write!(f, "Line {line}: ")?,
            (None, Some(column)) => write!(f, "Column {column}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

/// Why a file was refused. Nothing from it has been written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// At most `MAX_REPORTED_ERRORS`, in file order.
    pub problems: Vec<Problem>,
    /// How many more were found but not listed.
    pub more: usize,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        match self.more {
            0 => Ok(()),
            1 => f.write_str("\n…and 1 more problem."),
            more => write!(f, "\n…and {} more problems.", grouped(more)),
        }
    }
}

impl std::error::Error for Rejected {}

/// Collects every problem but keeps only the first `MAX_REPORTED_ERRORS`.
#[derive(Default)]
struct Problems {
    listed: Vec<Problem>,
    more: usize,
}

impl Problems {
    fn push(&mut self, problem: Problem) {
        if self.listed.len() < MAX_REPORTED_ERRORS {
            self.listed.push(problem);
        } else {
            self.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    fn into_rejected(self) -> Rejected {
        Rejected {
            problems: self.listed,
            more: self.more,
        }
    }
}

fn reject(problem: Problem) -> Rejected {
    Rejected {
        problems: vec![problem],
        more: 0,
    }
}

/// Checks a whole file. `today` is (year, month, day) in UK terms.
///
/// Returns every row when all are valid, or every problem found (up to
/// `MAX_REPORTED_ERRORS`) when any is not: the caller writes all or nothing.
pub fn check(
    bytes: &[u8],
    measures: &[KnownMeasure],
    today: (i32, u32, u32),
) -> Result<Vec<ImportRow>, Rejected> {
    let bytes = decoding::decode(bytes).map_err(reject)?;
    let bytes = &bytes[..];

    let catalogue: HashMap<String, &KnownMeasure> = measures
        .iter()
        .map(|m| (m.code.trim().to_uppercase(), m))
        .collect();
    let lines = LineIndex::new(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);

    let mut problems = Problems::default();
    let mut layout: Option<Layout> = None;
    let mut rows = Vec::new();
    let mut row_count = 0;
    let mut seen: HashMap<RowKey, usize> = HashMap::new();
    let checker = RowChecker {
        catalogue: &catalogue,
        today,
        current_year: Period::year_containing(today).year,
    };

    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                // Not expected: the input is valid UTF-8 and rows may vary
                // in length. Reported rather than hidden, just in case.
                problems.push(Problem::file(format!(
                    "The file could not be read as CSV ({error}). Save it again as 'CSV UTF-8 (Comma delimited)'."
                )));
                break;
            }
        };
        // Spreadsheets often export empty rows as a line of commas.
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let line = lines.record_line(record.position().map_or(0, |p| p.byte() as usize));
        let Some(layout) = &layout else {
            match Layout::read(&record, line) {
                Ok(read) => layout = Some(read),
                Err(header_problems) => {
                    for problem in header_problems {
                        problems.push(problem);
                    }
                    return Err(problems.into_rejected());
                }
            }
            continue;
        };
        row_count += 1;
        if row_count > MAX_ROWS {
            return Err(reject(Problem::file(format!(
                "The file has more than {} rows of figures; the portal accepts at most {} in one file. \
                 Split it into smaller files.",
                grouped(MAX_ROWS),
                grouped(MAX_ROWS)
            ))));
        }
        if let Some(row) = checker.check_row(layout, &record, line, &mut problems, &mut seen) {
            rows.push(row);
        }
    }

    if layout.is_none() {
        // Only reachable if every line was blank commas.
        problems.push(Problem::file(
            "The file has no rows of figures: it is empty. Download the template, fill it in and upload it again.",
        ));
    } else if row_count == 0 {
        problems.push(Problem::file(
            "The file has no rows of figures: it has the header row but nothing under it. \
             Add one row for each figure, then upload it again.",
        ));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems.into_rejected())
    }
}

// Words for messages, shared by the files that write them.

/// 20000 → "20,000".
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A spreadsheet's name for the column at `position` (from 0): A, B, …, AA.
fn column_letter(position: usize) -> String {
    let mut n = position + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A value quoted back in a message, cut short so one runaway cell cannot
/// fill the page.
fn shown(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn reads_a_file_with_every_column() {
        let rows = ok(&format!(
            "{FULL}\n\
             tp01,,LCHO,2025/26,,78.5%,80,1250,Phone survey\n\
             RP02,Non Emergency,lcra,2025/26,Q4,88.125,,,\n\
             CH01,stage_1,,2024/25,q2,12.4,10,,\n\
             DM01,,,2026/27,,,30,,\n"
        ));
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0],
            ImportRow {
                line: 2,
                code: "TP01".into(),
                part: String::new(),
                tenure: Tenure::Lcho,
                period: Period::year(2025),
                result: Some(f("78.5")),
                target: Some(f("80")),
                responses: Some(1250),
                method_note: "Phone survey".into(),
            }
        );
        assert_eq!(rows[1].part, "non-emergency");
        assert_eq!(rows[1].tenure, Tenure::Lcra);
        assert_eq!(
            rows[1].period,
            Period {
                year: 2025,
                quarter: 4
            }
        );
        assert_eq!(rows[1].result, Some(Figure(88_125)));
        assert_eq!(rows[1].target, None);
        assert_eq!(rows[2].part, "stage-1");
        assert_eq!(
            rows[2].period,
            Period {
                year: 2024,
                quarter: 2
            }
        );
        assert_eq!(rows[3].line, 5);
        assert_eq!(rows[3].result, None);
        assert_eq!(rows[3].target, Some(f("30")));
    }

    #[test]
    fn reads_the_minimal_columns() {
        let rows = ok(&format!("{MIN}\nTP01,2025/26,78\nRP01,2024/25,99.5\n"));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].tenure, Tenure::Lcra);
        assert_eq!(rows[0].period, Period::year(2025));
        assert_eq!(rows[0].target, None);
        assert_eq!(rows[0].responses, None);
        assert_eq!(rows[0].method_note, "");
        assert_eq!(rows[1].result, Some(f("99.5")));
    }

    #[test]
    fn collects_every_row_problem() {
        let text = format!("{MIN}\nXX01,2025/26,78\nTP01,2025,78\nTP01,2025/26,abc\n");
        let rejected = rejected(text.as_bytes());
        let lines: Vec<_> = rejected.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(2), Some(3), Some(4)]);
        // Several problems on one row are all listed.
        let rejected = self::rejected(b"measure,tenure,year,result\nTP01,x,2025,abc\n");
        let columns: Vec<_> = rejected
            .problems
            .iter()
            .map(|p| p.column.clone().unwrap())
            .collect();
        assert_eq!(columns, ["tenure", "year", "result"]);
    }

    /// Distinct, valid rows: a catalogue of local codes, each over years,
    /// quarters and tenures.
    fn many_rows(count: usize) -> (String, Vec<KnownMeasure>) {
        let mut text = String::from("measure,tenure,year,quarter,result\n");
        let mut codes = Vec::new();
        let mut keys = (0..).flat_map(|code| {
            (1990..2026).flat_map(move |year| {
                (0..5).flat_map(move |quarter| {
                    ["LCRA", "LCHO"].map(|tenure| (code, tenure, year, quarter))
                })
            })
        });
        for _ in 0..count {
            let (code, tenure, year, quarter) = keys.next().unwrap();
            let code = format!("L{code:03}");
            if codes.last() != Some(&code) {
                codes.push(code.clone());
            }
            let period = Period { year, quarter };
            text.push_str(&format!(
                "{code},{tenure},{},{},5\n",
                period.year_label(),
                period.quarter_code()
            ));
        }
        let measures = codes
            .iter()
            .map(|c| measure(c, Unit::Number, false, &[]))
            .collect();
        (text, measures)
    }

    #[test]
    fn refuses_too_many_rows() {
        let (text, measures) = many_rows(MAX_ROWS);
        assert_eq!(
            check(text.as_bytes(), &measures, TODAY).unwrap().len(),
            MAX_ROWS
        );
        let (text, measures) = many_rows(MAX_ROWS + 1);
        let rejected = check(text.as_bytes(), &measures, TODAY).unwrap_err();
        assert_eq!(rejected.problems.len(), 1);
        assert!(
            rejected.problems[0]
                .message
                .contains("more than 20,000 rows"),
            "{rejected}"
        );
    }

    #[test]
    fn refuses_empty_and_header_only_files() {
        for empty in ["", "\n\n", "  \r\n", "\u{feff}"] {
            let p = only_bytes(empty.as_bytes());
            assert!(
                p.message.starts_with("The file has no rows of figures"),
                "{p}"
            );
            assert!(p.message.contains("empty"), "{p}");
        }
        for header_only in ["measure,year,result", "measure,year,result\n\n,,\n"] {
            let p = only(header_only);
            assert!(
                p.message.starts_with("The file has no rows of figures"),
                "{p}"
            );
            assert!(p.message.contains("header row"), "{p}");
        }
    }

    #[test]
    fn lists_at_most_the_cap_and_counts_the_rest() {
        let mut text = String::from("measure,year,result\n");
        for _ in 0..200 {
            text.push_str("ZZ99,2025/26,5\n");
        }
        let rejected = rejected(text.as_bytes());
        assert_eq!(rejected.problems.len(), MAX_REPORTED_ERRORS);
        assert_eq!(rejected.more, 100);
        assert_eq!(rejected.problems[0].line, Some(2));
        assert_eq!(rejected.problems[99].line, Some(101));
        assert!(rejected.to_string().ends_with("…and 100 more problems."));
    }

    #[test]
    fn small_helpers() {
        assert_eq!(grouped(20_000), "20,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(crate::time::format_day((2027, 3, 31)), "31 March 2027");
        assert_eq!(shown(&"x".repeat(50)).chars().count(), 41);
        let file = Problem::file("The file has no rows of figures.");
        assert_eq!(file.to_string(), "The file has no rows of figures.");
    }
}
