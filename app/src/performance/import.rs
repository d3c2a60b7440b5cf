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
use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::model::{Figure, FigureError, Period, Tenure, Unit};

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

/// Columns without which no row can be understood.
const REQUIRED: [usize; 3] = [MEASURE, YEAR, RESULT];
/// Nothing older was ever published under these measures.
const EARLIEST_YEAR: i32 = 1990;
/// Targets may look ahead, but not so far that a typo (2205/06) slips in.
const MAX_YEARS_AHEAD: i32 = 10;
/// Long enough for a sentence or two on method; longer belongs in a report.
const MAX_NOTE_CHARS: usize = 500;

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
    // Before anything else, so a huge upload costs nothing to refuse.
    if bytes.len() > MAX_FILE_BYTES {
        return Err(reject(Problem::file(format!(
            "The file is {}; the largest file the portal accepts is {} MB. Split it into smaller files.",
            megabytes(bytes.len()),
            MAX_FILE_BYTES / (1024 * 1024)
        ))));
    }
    // Excel's "CSV UTF-8" starts the file with a byte order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Old Mac files end lines with a lone CR, which the CSV reader does not
    // count as a line: make them newlines so line numbers stay true.
    let normalised;
    let bytes = if has_lone_cr(bytes) {
        normalised = lone_cr_to_lf(bytes);
        &normalised[..]
    } else {
        bytes
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let line = line_at(bytes, error.valid_up_to());
            return Err(reject(Problem::file(format!(
                "The file is not saved as UTF-8 text (the first character that cannot be read is on line {line}). \
                 In Excel, choose Save As, then 'CSV UTF-8 (Comma delimited)'."
            ))));
        }
    };
    if text.trim().is_empty() {
        return Err(reject(Problem::file(
            "The file has no rows of figures: it is empty. Download the template, fill it in and upload it again.",
        )));
    }

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

/// Where each of the nine columns sits in this file's rows.
struct Layout {
    index: [Option<usize>; 9],
    /// Positions of columns whose header cell is blank; tolerated because
    /// spreadsheets add them, but any value under them is an error.
    unnamed: Vec<usize>,
    width: usize,
}

impl Layout {
    fn read(header: &csv::StringRecord, line: usize) -> Result<Layout, Vec<Problem>> {
        let expected = COLUMNS.join(", ");
        let save_as = "In Excel, choose Save As, then 'CSV UTF-8 (Comma delimited)'.";
        if header.len() == 1 {
            let only = &header[0];
            let separator = if only.contains(';') {
                Some("semicolons")
            } else if only.contains('\t') {
                Some("tabs")
            } else {
                None
            };
            if let Some(separator) = separator {
                return Err(vec![Problem::file(format!(
                    "The columns in this file are separated by {separator}, but the portal needs commas. {save_as}"
                ))]);
            }
        }

        let mut index = [None; 9];
        let mut unnamed = Vec::new();
        let mut unknown = Vec::new();
        let mut problems = Vec::new();
        for (position, name) in header.iter().enumerate() {
            let key = header_key(name);
            if key.is_empty() {
                unnamed.push(position);
                continue;
            }
            match COLUMNS.iter().position(|column| *column == key) {
                Some(column) if index[column].is_some() => problems.push(Problem::file(format!(
                    "The header row (line {line}) has the column \"{}\" twice. Keep only one of them.",
                    COLUMNS[column]
                ))),
                Some(column) => index[column] = Some(position),
                None => unknown.push(format!("\"{}\"", shown(name.trim()))),
            }
        }

        if index.iter().all(Option::is_none) {
            return Err(vec![Problem::file(format!(
                "Line {line} should be the header row, naming the columns, but none of its names is a column \
                 the portal reads. Make the first line the column names, such as: {}",
                COLUMNS.join(",")
            ))]);
        }
        if !unknown.is_empty() {
            let (these, names) = if unknown.len() == 1 {
                ("a column", "it")
            } else {
                ("columns", "them")
            };
            problems.push(Problem::file(format!(
                "The header row (line {line}) has {these} the portal does not know: {}. \
                 The columns it reads are: {expected}. Rename or remove {names}.",
                unknown.join(", ")
            )));
        }
        let missing: Vec<&str> = REQUIRED
            .iter()
            .filter(|&&column| index[column].is_none())
            .map(|&column| COLUMNS[column])
            .collect();
        if !missing.is_empty() {
            let (columns, it) = if missing.len() == 1 {
                ("column", "it")
            } else {
                ("columns", "them")
            };
            problems.push(Problem::file(format!(
                "The header row (line {line}) is missing the {columns} {}. \
                 Every file needs measure, year and result columns: add {it} to the header row.",
                missing.join(", ")
            )));
        }
        if problems.is_empty() {
            Ok(Layout {
                index,
                unnamed,
                width: header.len(),
            })
        } else {
            Err(problems)
        }
    }

    /// The trimmed value of `column` in `record`; "" when the file has no
    /// such column.
    fn get<'r>(&self, record: &'r csv::StringRecord, column: usize) -> &'r str {
        self.index[column]
            .and_then(|position| record.get(position))
            .map_or("", str::trim)
    }
}

/// Header names compare case-insensitively and ignore surrounding spaces;
/// "Method note" and "method-note" also mean method_note.
fn header_key(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .split([' ', '-', '_'])
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Part names compare case-insensitively, with spaces and underscores read
/// as hyphens: "Stage 1", "stage_1" and "STAGE-1" are all "stage-1".
fn part_key(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .split([' ', '-', '_'])
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// What makes two rows the same figure: measure, part, tenure and period.
type RowKey = (String, String, Tenure, Period);

struct RowChecker<'a> {
    catalogue: &'a HashMap<String, &'a KnownMeasure>,
    today: (i32, u32, u32),
    current_year: i32,
}

impl RowChecker<'_> {
    /// Checks one row, adding every problem found; returns the row only when
    /// it has none.
    fn check_row(
        &self,
        layout: &Layout,
        record: &csv::StringRecord,
        line: usize,
        problems: &mut Problems,
        seen: &mut HashMap<RowKey, usize>,
    ) -> Option<ImportRow> {
        if record.len() != layout.width {
            problems.push(Problem::line(
                line,
                format!(
                    "This line has {} values, but the header row has {} columns. Check for a missing or extra \
                     comma. A value that contains a comma must be inside double quotes, like \"Phone, post and online\".",
                    record.len(),
                    layout.width
                ),
            ));
            return None;
        }
        let mut ok = true;
        let mut fail = |problem: Problem| {
            ok = false;
            problems.push(problem);
        };

        for &position in &layout.unnamed {
            if !record[position].trim().is_empty() {
                fail(Problem::line(
                    line,
                    format!(
                        "There is a value in column {}, which has no name in the header row. \
                         Move the value to the right column, or delete it.",
                        column_letter(position)
                    ),
                ));
            }
        }
        // A quote mark without its partner swallows the following lines into
        // one value; say so rather than calling it "not a number".
        for column in 0..COLUMNS.len() {
            if column != METHOD_NOTE && layout.get(record, column).contains('\n') {
                fail(Problem::cell(
                    line,
                    column,
                    "This value runs over more than one line. This usually means a double quote mark (\") \
                     has no partner: check the quote marks on this line.",
                ));
                return None;
            }
        }

        // measure
        let code_text = layout.get(record, MEASURE);
        let code = code_text.to_uppercase();
        let measure = if code.is_empty() {
            fail(Problem::cell(
                line,
                MEASURE,
                "Enter a measure code, such as TP01.",
            ));
            None
        } else {
            let found = self.catalogue.get(&code).copied();
            if found.is_none() {
                fail(Problem::cell(
                    line,
                    MEASURE,
                    format!(
                        "Unknown measure code \"{}\". Use one of the codes listed on the import page.",
                        shown(&code)
                    ),
                ));
            }
            found
        };

        // part
        let part_text = layout.get(record, PART);
        let part = match measure {
            None => None,
            Some(m) => match self.read_part(m, part_text, layout.index[PART].is_some()) {
                Ok(part) => Some(part),
                Err(message) => {
                    fail(Problem::cell(line, PART, message));
                    None
                }
            },
        };

        // tenure
        let tenure_text = layout.get(record, TENURE);
        let tenure = if tenure_text.is_empty() {
            Some(Tenure::Lcra)
        } else {
            let tenure = Tenure::parse(tenure_text);
            if tenure.is_none() {
                fail(Problem::cell(
                    line,
                    TENURE,
                    format!(
                        "\"{}\" is not a tenure. Write LCRA for rented homes or LCHO for shared ownership, \
                         or leave it empty for rented homes.",
                        shown(tenure_text)
                    ),
                ));
            }
            tenure
        };

        // year and quarter
        let year = match read_year(layout.get(record, YEAR), self.current_year) {
            Ok(year) => Some(year),
            Err(message) => {
                fail(Problem::cell(line, YEAR, message));
                None
            }
        };
        let quarter_text = layout.get(record, QUARTER);
        let quarter = Period::parse_quarter(quarter_text);
        if quarter.is_none() {
            fail(Problem::cell(
                line,
                QUARTER,
                format!(
                    "\"{}\" is not a quarter. Write Q1 (April to June), Q2 (July to September), \
                     Q3 (October to December) or Q4 (January to March), or leave it empty for the whole year.",
                    shown(quarter_text)
                ),
            ));
        }
        let period = year
            .zip(quarter)
            .map(|(year, quarter)| Period { year, quarter });

        // result and target
        let unit = measure.map(|m| m.unit);
        let mut figure = |column: usize| match read_figure(layout.get(record, column), unit) {
            Ok(figure) => Some(figure),
            Err(message) => {
                fail(Problem::cell(line, column, message));
                None
            }
        };
        let result = figure(RESULT);
        let target = figure(TARGET);
        if let (Some(None), Some(None)) = (result, target) {
            fail(Problem::cell(
                line,
                RESULT,
                "This row has neither a result nor a target. Enter a result, a target, or both.",
            ));
        }
        if let (Some(Some(_)), Some(period)) = (result, period) {
            if !period.has_ended(self.today) {
                fail(Problem::cell(
                    line,
                    RESULT,
                    format!(
                        "{period} has not ended yet (it ends on {}). Results can be added once the period is over.",
                        crate::time::format_day(period.last_day())
                    ),
                ));
            }
        }

        // responses
        let responses_text = layout.get(record, RESPONSES);
        let responses = match measure {
            Some(m) if !m.survey && !responses_text.is_empty() => {
                fail(Problem::cell(
                    line,
                    RESPONSES,
                    format!(
                        "{} is not a survey measure, so it has no responses. Leave the responses cell empty.",
                        m.code
                    ),
                ));
                None
            }
            _ => match read_responses(responses_text) {
                Ok(responses) => Some(responses),
                Err(message) => {
                    fail(Problem::cell(line, RESPONSES, message));
                    None
                }
            },
        };

        // method_note
        let note = layout.get(record, METHOD_NOTE).replace("\r\n", "\n");
        let note_chars = note.chars().count();
        if note_chars > MAX_NOTE_CHARS {
            fail(Problem::cell(
                line,
                METHOD_NOTE,
                format!(
                    "The note is {} characters long; the most is {MAX_NOTE_CHARS}. Shorten it.",
                    grouped(note_chars)
                ),
            ));
        }

        // Duplicates: only rows whose key could be read take part.
        if let (Some(m), Some(part), Some(tenure), Some(period)) = (measure, &part, tenure, period)
        {
            let key = (m.code.to_uppercase(), part.clone(), tenure, period);
            if let Some(&first) = seen.get(&key) {
                let part_words = if part.is_empty() {
                    String::new()
                } else {
                    format!(" {part}")
                };
                fail(Problem::line(
                    line,
                    format!(
                        "This row is for the same figure as line {first} ({}{part_words}, {}, {period}). \
                         Keep only one of the two rows; a result and its target go on the same row.",
                        key.0,
                        tenure.code()
                    ),
                ));
            } else {
                seen.insert(key, line);
            }
        }

        if !ok {
            return None;
        }
        Some(ImportRow {
            line,
            code: measure?.code.to_uppercase(),
            part: part?,
            tenure: tenure?,
            period: period?,
            result: result?,
            target: target?,
            responses: responses?,
            method_note: note,
        })
    }

    /// The catalogue's key for the part written, or a message saying why
    /// it cannot be used.
    fn read_part(
        &self,
        measure: &KnownMeasure,
        text: &str,
        has_column: bool,
    ) -> Result<String, String> {
        let options = measure.parts.join(", ");
        if measure.parts.is_empty() {
            return if text.is_empty() {
                Ok(String::new())
            } else {
                Err(format!(
                    "Measure {} has no parts, so leave the part cell empty.",
                    measure.code
                ))
            };
        }
        if text.is_empty() {
            let add = if has_column {
                "write"
            } else {
                "add a part column to the file and write"
            };
            return Err(format!(
                "Measure {} has parts: {add} one of {options}.",
                measure.code
            ));
        }
        let key = part_key(text);
        measure
            .parts
            .iter()
            .find(|part| part_key(part) == key)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "Measure {} has no part \"{}\". Use one of: {options}.",
                    measure.code,
                    shown(text)
                )
            })
    }
}

/// Reads "2025/26" (or "2025-26"), with messages for the usual slips.
fn read_year(text: &str, current_year: i32) -> Result<i32, String> {
    // Spreadsheets turn "2025-26" into "2025–26" (en dash) as people type.
    let text = text.replace(['\u{2013}', '\u{2014}'], "-");
    let text = text.trim();
    let example = Period::year(current_year - 1);
    let form = |year: i32| {
        format!(
            "{} (April {year} to March {})",
            Period::year(year).year_label(),
            year + 1
        )
    };
    let generic = || {
        format!(
            "\"{}\" is not a reporting year. Write it like {}.",
            shown(text),
            form(example.year)
        )
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());

    if text.is_empty() {
        return Err(format!(
            "Enter the reporting year, such as {}.",
            form(example.year)
        ));
    }
    if digits(text, 4) {
        // A lone year is ambiguous: 2025 could be the year ending or starting then.
        let year: i32 = text.parse().map_err(|_| generic())?;
        return Err(format!(
            "\"{text}\" could mean {} or {}. Write the reporting year in full, such as {}.",
            Period::year(year - 1).year_label(),
            Period::year(year).year_label(),
            form(year)
        ));
    }
    let Some((start, end_text)) = text.split_once(['/', '-']) else {
        return Err(generic());
    };
    if !digits(start, 4) || !(digits(end_text, 2) || digits(end_text, 4)) {
        return Err(generic());
    }
    let start: i32 = start.parse().map_err(|_| generic())?;
    let end: i32 = end_text.parse().map_err(|_| generic())?;
    let label = Period::year(start).year_label();
    if end_text.len() == 4 && end == start + 1 {
        return Err(format!("Write the year as {label}, not \"{text}\"."));
    }
    if end != (start + 1).rem_euclid(100) {
        return Err(format!(
            "\"{text}\" is not a reporting year: a year that starts in April {start} ends in March {}, \
             so write {label}.",
            start + 1
        ));
    }
    if start < EARLIEST_YEAR {
        return Err(format!(
            "Figures for years before {} cannot be imported. Check the year.",
            Period::year(EARLIEST_YEAR).year_label()
        ));
    }
    let latest = current_year + MAX_YEARS_AHEAD;
    if start > latest {
        return Err(format!(
            "{label} is too far ahead: targets can be set up to {MAX_YEARS_AHEAD} years ahead, \
             to {} at the latest. Check the year.",
            Period::year(latest).year_label()
        ));
    }
    Period::parse_year(text).ok_or_else(generic)
}

/// Reads a result or target: empty is None; a trailing % is allowed for
/// per-cent measures. `unit` is None when the measure is unknown, so only
/// the checks that hold for every measure apply.
fn read_figure(text: &str, unit: Option<Unit>) -> Result<Option<Figure>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    // "1,234" and "78,5" both occur; guessing which was meant is unsafe.
    if text.contains(',') {
        return Err("Write numbers without commas, such as 1234 or 78.5.".into());
    }
    let number = match text.strip_suffix('%') {
        Some(number) => {
            if let Some(unit) = unit.filter(|&u| u != Unit::Percent) {
                return Err(format!(
                    "This measure is counted in {}, not per cent: remove the % sign.",
                    unit.label()
                ));
            }
            number.trim_end()
        }
        None => text,
    };
    let figure = Figure::parse(number).map_err(|error| match error {
        FigureError::Empty | FigureError::NotANumber => format!(
            "\"{}\" is not a number. Write a number such as 78 or 78.5, or leave the cell empty if there is no figure.",
            shown(text)
        ),
        FigureError::TooPrecise => {
            "This number has more than three decimal places. Round it to at most three, such as 78.125.".into()
        }
        FigureError::TooLarge => format!("{error}. Check the value."),
    })?;
    if figure.thousandths() < 0 {
        return Err(
            "A figure cannot be negative. Check the value and remove the minus sign.".into(),
        );
    }
    if unit == Some(Unit::Percent) && figure > Figure::from_whole(100) {
        return Err(
            "A percentage cannot be more than 100. Write a number from 0 to 100, such as 78.5."
                .into(),
        );
    }
    Ok(Some(figure))
}

/// Reads a count of survey responses: empty, or a whole number of at least 1.
fn read_responses(text: &str) -> Result<Option<i64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.contains(',') {
        return Err("Write numbers without commas, such as 1234 or 78.5.".into());
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "\"{}\" is not a whole number. Write the number of survey responses as a whole number, such as 1250, \
             or leave it empty.",
            shown(text)
        ));
    }
    if text.len() > 12 {
        return Err("This number is too large. Check the value.".into());
    }
    match text.parse::<i64>() {
        Ok(0) | Err(_) => Err(
            "The number of responses must be at least 1. Leave the cell empty if you do not know it.".into(),
        ),
        Ok(count) => Ok(Some(count)),
    }
}

/// A template file people can download and fill in: the header and a few
/// example rows (one survey measure with responses, one measure with parts,
/// one row with only a target), valid for `today`.
///
/// It uses the regulator's codes TP01 (a survey measure) and RP02 (with
/// parts), which every landlord's catalogue holds.
pub fn template(today: (i32, u32, u32)) -> String {
    let this_year = Period::year_containing(today);
    // The last whole year that has ended, so its results are allowed.
    let last = this_year.previous().year_label();
    let this = this_year.year_label();
    format!(
        "{}\r\n\
         TP01,,LCRA,{last},,78.5,80,1250,Telephone survey of a random sample of tenants\r\n\
         TP01,,LCHO,{last},,71,75,310,Postal survey of all shared owners\r\n\
         RP02,emergency,LCRA,{last},,97.2,98,,\r\n\
         RP02,non-emergency,LCRA,{last},,88.4,90,,\r\n\
         RP02,non-emergency,LCRA,{last},Q4,90.1,90,,\r\n\
         TP01,,LCRA,{this},,,82,,Target for this year\r\n",
        COLUMNS.join(",")
    )
}

/// The column layout, as (column, required?, what to write) for the import
/// page to show as a table. "Required" means the column must be in the
/// header row; a result cell may still be empty on a row with a target.
pub fn column_guide() -> Vec<(&'static str, bool, &'static str)> {
    vec![
        (
            "measure",
            true,
            "The measure code, such as TP01, or one of your own codes, such as DM01. \
             Capital or small letters both work.",
        ),
        (
            "part",
            false,
            "Which part of the measure the figure is for, for measures that have parts: \
             RP02 emergency or non-emergency; CH01 and CH02 stage-1 or stage-2; NM01 all or hate. \
             Leave it empty for other measures.",
        ),
        (
            "tenure",
            false,
            "LCRA for rented homes or LCHO for shared ownership homes. Empty means LCRA.",
        ),
        (
            "year",
            true,
            "The reporting year, which runs from April to March, written like 2025/26 \
             (April 2025 to March 2026). 2025 on its own is not enough.",
        ),
        (
            "quarter",
            false,
            "Q1 (April to June), Q2 (July to September), Q3 (October to December) or \
             Q4 (January to March). Leave it empty for a figure for the whole year.",
        ),
        (
            "result",
            true,
            "The figure, such as 78.5, with at most three decimal places and no commas. \
             For percentages you may add a % sign. Results can be added once the period is over. \
             Leave it empty on a row that only gives a target.",
        ),
        (
            "target",
            false,
            "Your target for the same period, written the same way as the result. \
             Targets may be for future years, up to 10 years ahead. \
             Each row needs a result, a target, or both.",
        ),
        (
            "responses",
            false,
            "For survey measures only: how many tenants answered the survey, as a whole number \
             such as 1250. You may leave it empty.",
        ),
        (
            "method_note",
            false,
            "A short note on how the figure was collected, up to 500 characters.",
        ),
    ]
}

/// Line numbers as a person sees them. The CSV reader places a record at
/// the end of the record before it, before any blank lines it skipped, so
/// the start is found here from the byte offset instead.
struct LineIndex<'a> {
    bytes: &'a [u8],
    /// Offsets of every '\n'.
    newlines: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(bytes: &'a [u8]) -> LineIndex<'a> {
        let newlines = bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| i)
            .collect();
        LineIndex { bytes, newlines }
    }

    fn record_line(&self, from: usize) -> usize {
        let start = self.bytes[from.min(self.bytes.len())..]
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')
            .map_or(self.bytes.len(), |skip| from + skip);
        self.newlines.partition_point(|&at| at < start) + 1
    }
}

/// The line (from 1) holding byte `offset`.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn has_lone_cr(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

fn lone_cr_to_lf(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if b == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
                b'\n'
            } else {
                b
            }
        })
        .collect()
}

/// A size for people, rounded up so a file just over the limit never reads
/// as "2.0 MB".
fn megabytes(bytes: usize) -> String {
    const MB: u64 = 1024 * 1024;
    let tenths = (bytes as u64 * 10).div_ceil(MB);
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

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
    use super::*;

    /// A day in 2026/27: 2025/26 has ended, 2026/27 has not.
    const TODAY: (i32, u32, u32) = (2026, 5, 10);

    fn measure(code: &str, unit: Unit, survey: bool, parts: &[&str]) -> KnownMeasure {
        KnownMeasure {
            code: code.into(),
            unit,
            survey,
            parts: parts.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn catalogue() -> Vec<KnownMeasure> {
        vec![
            measure("TP01", Unit::Percent, true, &[]),
            measure("TP02", Unit::Percent, true, &[]),
            measure("RP01", Unit::Percent, false, &[]),
            measure(
                "RP02",
                Unit::Percent,
                false,
                &["emergency", "non-emergency"],
            ),
            measure("CH01", Unit::Per1000Homes, false, &["stage-1", "stage-2"]),
            measure("NM01", Unit::Per1000Homes, false, &["all", "hate"]),
            measure("DM01", Unit::Days, false, &[]),
        ]
    }

    fn ok(text: &str) -> Vec<ImportRow> {
        match check(text.as_bytes(), &catalogue(), TODAY) {
            Ok(rows) => rows,
            Err(rejected) => panic!("expected the file to pass, got:\n{rejected}"),
        }
    }

    fn rejected(bytes: &[u8]) -> Rejected {
        match check(bytes, &catalogue(), TODAY) {
            Ok(rows) => panic!("expected the file to be refused, got {rows:?}"),
            Err(rejected) => rejected,
        }
    }

    /// The single problem with a file; fails if there are more or none.
    fn only(text: &str) -> Problem {
        let rejected = rejected(text.as_bytes());
        assert_eq!(rejected.problems.len(), 1, "{rejected}");
        assert_eq!(rejected.more, 0);
        rejected.problems[0].clone()
    }

    /// The one problem with a file of a header and `row` as line 2.
    fn row_problem(header: &str, row: &str) -> Problem {
        only(&format!("{header}\n{row}\n"))
    }

    fn assert_cell(problem: &Problem, line: usize, column: &str, words: &str) {
        assert_eq!(problem.line, Some(line), "{problem}");
        assert_eq!(problem.column.as_deref(), Some(column), "{problem}");
        assert!(
            problem.message.contains(words),
            "{problem:?} lacks {words:?}"
        );
    }

    fn f(text: &str) -> Figure {
        Figure::parse(text).unwrap()
    }

    const FULL: &str = "measure,part,tenure,year,quarter,result,target,responses,method_note";
    const MIN: &str = "measure,year,result";

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
    fn accepts_a_byte_order_mark() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(b"measure,year,result\nTP01,2025/26,78\n");
        let rows = check(&bytes, &catalogue(), TODAY).unwrap();
        assert_eq!(rows[0].code, "TP01");
    }

    #[test]
    fn crlf_line_endings_keep_line_numbers() {
        let text = "measure,year,result\r\nTP01,2025/26,78\r\nTP02,2025/26,120\r\n";
        assert_cell(&only(text), 3, "result", "more than 100");
        let rows = ok("measure,year,result\r\nTP01,2025/26,78\r\n");
        assert_eq!(rows[0].result, Some(f("78")));
    }

    #[test]
    fn old_mac_line_endings_keep_line_numbers() {
        let text = "measure,year,result\rTP01,2025/26,78\rTP02,2025/26,120\r";
        assert_cell(&only(text), 3, "result", "more than 100");
    }

    #[test]
    fn quoted_fields_may_hold_commas_and_newlines() {
        let text = format!(
            "{FULL}\n\
             TP01,,,2025/26,,78,,,\"Phone, post and online\"\n\
             TP02,,,2025/26,,70,,,\"First line\n\
             second line\"\n\
             RP01,,,2025/26,,101,,,\n"
        );
        assert_cell(&only(&text), 5, "result", "more than 100");
        let rows = ok(&text.replace("101", "99"));
        assert_eq!(rows[0].method_note, "Phone, post and online");
        assert_eq!(rows[1].method_note, "First line\nsecond line");
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[2].line, 5);
    }

    #[test]
    fn blank_lines_and_rows_of_commas_are_skipped_without_losing_count() {
        let text = "measure,year,result\n\nTP01,2025/26,78\n,,\n   \n\nTP02,2025/26,abc\n";
        assert_cell(&only(text), 7, "result", "\"abc\" is not a number");
        assert_eq!(
            ok("\n\nmeasure,year,result\n\nTP01,2025/26,78\n")[0].line,
            5
        );
    }

    #[test]
    fn columns_may_come_in_any_order_and_any_case() {
        let rows =
            ok("Result, YEAR ,Measure,Tenure,Method Note\n78,2025/26,TP01,LCHO,Door to door\n");
        assert_eq!(rows[0].code, "TP01");
        assert_eq!(rows[0].result, Some(f("78")));
        assert_eq!(rows[0].period, Period::year(2025));
        assert_eq!(rows[0].tenure, Tenure::Lcho);
        assert_eq!(rows[0].method_note, "Door to door");
    }

    #[test]
    fn refuses_bad_numbers() {
        let p = row_problem(MIN, "TP01,2025/26,high");
        assert_cell(&p, 2, "result", "\"high\" is not a number");
        let p = row_problem(MIN, "TP01,2025/26,100.5");
        assert_cell(&p, 2, "result", "A percentage cannot be more than 100");
        assert_eq!(
            p.to_string(),
            format!("Line 2, column result: {}", p.message)
        );
        assert!(p
            .to_string()
            .starts_with("Line 2, column result: A percentage cannot be more than 100"));
        // Exactly 100 is fine, and so is a number over 100 for other units.
        ok(&format!("{MIN}\nTP01,2025/26,100\nDM01,2025/26,250\n"));
        let p = row_problem(MIN, "DM01,2025/26,-3");
        assert_cell(&p, 2, "result", "cannot be negative");
        let p = row_problem(MIN, "TP01,2025/26,78.1234");
        assert_cell(&p, 2, "result", "more than three decimal places");
        let p = row_problem(MIN, "DM01,2025/26,\"1,234\"");
        assert_cell(
            &p,
            2,
            "result",
            "Write numbers without commas, such as 1234 or 78.5",
        );
        let p = row_problem(MIN, "DM01,2025/26,12%");
        assert_cell(&p, 2, "result", "remove the % sign");
        let p = row_problem("measure,year,result,target", "TP01,2026/27,,101%");
        assert_cell(&p, 2, "target", "A percentage cannot be more than 100");
    }

    #[test]
    fn refuses_unknown_codes() {
        let p = row_problem(MIN, "xx01,2025/26,5");
        assert_cell(
            &p,
            2,
            "measure",
            "Unknown measure code \"XX01\". Use one of the codes listed on the import page.",
        );
        let p = row_problem(MIN, ",2025/26,5");
        assert_cell(&p, 2, "measure", "Enter a measure code");
    }

    #[test]
    fn checks_parts() {
        let header = "measure,part,year,result";
        let p = row_problem(header, "RP02,urgent,2025/26,90");
        assert_cell(&p, 2, "part", "no part \"urgent\"");
        assert!(p.message.contains("emergency, non-emergency"), "{p}");
        let p = row_problem(header, "RP02,,2025/26,90");
        assert_cell(&p, 2, "part", "Measure RP02 has parts");
        let p = row_problem(header, "TP01,all,2025/26,90");
        assert_cell(&p, 2, "part", "Measure TP01 has no parts");
        // Without a part column at all, the message says to add one.
        let p = row_problem(MIN, "NM01,2025/26,4");
        assert_cell(&p, 2, "part", "add a part column");
        let rows = ok(&format!(
            "{header}\nCH01,Stage 1,2025/26,3\nCH01,STAGE_2,2025/26,1\n"
        ));
        assert_eq!(rows[0].part, "stage-1");
        assert_eq!(rows[1].part, "stage-2");
    }

    #[test]
    fn results_wait_for_the_period_to_end_but_targets_do_not() {
        let header = "measure,year,quarter,result,target";
        let p = row_problem(header, "TP01,2026/27,,78,");
        assert_cell(
            &p,
            2,
            "result",
            "2026/27 has not ended yet (it ends on 31 March 2027). \
             Results can be added once the period is over.",
        );
        let p = row_problem(header, "TP01,2026/27,Q1,78,");
        assert_cell(&p, 2, "result", "(it ends on 30 June 2026)");
        let rows = ok(&format!(
            "{header}\nTP01,2026/27,,,80\nTP01,2036/37,,,85\nTP01,2025/26,Q4,77,80\n"
        ));
        assert_eq!(rows[0].target, Some(f("80")));
        assert_eq!(rows[1].period, Period::year(2036));
        let p = row_problem(header, "TP01,2037/38,,,85");
        assert_cell(&p, 2, "year", "too far ahead");
        let p = row_problem(header, "TP01,1989/90,,50,");
        assert_cell(&p, 2, "year", "before 1990/91");
    }

    #[test]
    fn a_repeated_row_names_the_first() {
        let text = format!(
            "{FULL}\n\
             TP01,,LCRA,2025/26,,78,,,\n\
             TP01,,LCHO,2025/26,,70,,,\n\
             TP01,,LCRA,2025/26,Q1,75,,,\n\
             tp01,,,2025/26,,,80,,\n"
        );
        let p = only(&text);
        assert_eq!(p.line, Some(5));
        assert!(p.message.contains("same figure as line 2"), "{p}");
        // Parts count as different figures; the same part does not.
        ok(&format!(
            "{FULL}\nRP02,emergency,,2025/26,,97,,,\nRP02,non-emergency,,2025/26,,88,,,\n"
        ));
        let p = only(&format!(
            "{FULL}\nRP02,emergency,,2025/26,,97,,,\nRP02,Emergency,,2025/26,,88,,,\n"
        ));
        assert_eq!(p.line, Some(3));
        assert!(p.message.contains("line 2"), "{p}");
    }

    #[test]
    fn refuses_bad_years_and_quarters() {
        let p = row_problem(MIN, "TP01,2025,78");
        assert_cell(&p, 2, "year", "such as 2025/26 (April 2025 to March 2026)");
        assert!(p.message.contains("2024/25 or 2025/26"), "{p}");
        let p = row_problem(MIN, "TP01,2025/27,78");
        assert_cell(&p, 2, "year", "write 2025/26");
        let p = row_problem(MIN, "TP01,2025/2026,78");
        assert_cell(&p, 2, "year", "Write the year as 2025/26");
        let p = row_problem(MIN, "TP01,last year,78");
        assert_cell(&p, 2, "year", "is not a reporting year");
        let p = row_problem(MIN, "TP01,,78");
        assert_cell(&p, 2, "year", "Enter the reporting year");
        assert_eq!(
            ok(&format!("{MIN}\nTP01,2024-25,78\n"))[0].period,
            Period::year(2024)
        );
        let p = row_problem("measure,year,quarter,result", "TP01,2025/26,Q5,78");
        assert_cell(&p, 2, "quarter", "\"Q5\" is not a quarter");
        let p = row_problem("measure,year,quarter,result", "TP01,2025/26,April,78");
        assert_cell(&p, 2, "quarter", "Q1 (April to June)");
    }

    #[test]
    fn refuses_bad_tenure() {
        let p = row_problem("measure,tenure,year,result", "TP01,rented,2025/26,78");
        assert_cell(&p, 2, "tenure", "Write LCRA for rented homes or LCHO");
    }

    #[test]
    fn checks_responses() {
        let header = "measure,year,result,responses";
        let p = row_problem(header, "RP01,2025/26,99,400");
        assert_cell(&p, 2, "responses", "RP01 is not a survey measure");
        let p = row_problem(header, "TP01,2025/26,78,12.5");
        assert_cell(&p, 2, "responses", "whole number");
        let p = row_problem(header, "TP01,2025/26,78,0");
        assert_cell(&p, 2, "responses", "at least 1");
        let p = row_problem(header, "TP01,2025/26,78,\"1,250\"");
        assert_cell(&p, 2, "responses", "without commas");
        assert_eq!(
            ok(&format!("{header}\nTP01,2025/26,78,\n"))[0].responses,
            None
        );
    }

    #[test]
    fn refuses_a_long_note() {
        let header = "measure,year,result,method_note";
        let at_limit = "é".repeat(500);
        assert_eq!(
            ok(&format!("{header}\nTP01,2025/26,78,{at_limit}\n"))[0].method_note,
            at_limit
        );
        let p = row_problem(header, &format!("TP01,2025/26,78,{at_limit}x"));
        assert_cell(&p, 2, "method_note", "501 characters");
    }

    #[test]
    fn a_row_needs_a_result_or_a_target() {
        let p = row_problem("measure,year,result,target", "TP01,2025/26,,");
        assert_cell(&p, 2, "result", "neither a result nor a target");
    }

    #[test]
    fn a_row_with_the_wrong_number_of_values_is_named() {
        let p = row_problem(MIN, "TP01,2025/26,78,extra");
        assert_eq!(p.line, Some(2));
        assert_eq!(p.column, None);
        assert!(
            p.message.contains("4 values, but the header row has 3"),
            "{p}"
        );
        let p = row_problem(MIN, "TP01,2025/26");
        assert!(p.message.contains("2 values"), "{p}");
    }

    #[test]
    fn values_under_unnamed_columns_are_refused() {
        ok("measure,year,result,\nTP01,2025/26,78,\n");
        let p = row_problem("measure,year,result,", "TP01,2025/26,78,oops");
        assert_eq!(p.line, Some(2));
        assert!(p.message.contains("column D"), "{p}");
    }

    #[test]
    fn an_unclosed_quote_is_explained() {
        let text = "measure,year,result\nTP01,2025/26,\"78\nTP02,2025/26,70\n";
        let p = only(text);
        assert_cell(&p, 2, "result", "quote mark");
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

    #[test]
    fn refuses_text_that_is_not_utf8() {
        let mut bytes =
            b"measure,year,result,method_note\nTP01,2025/26,78,ok\nTP02,2025/26,70,".to_vec();
        bytes.extend_from_slice(b"\x93quoted\x94\n");
        let p = only_bytes(&bytes);
        assert_eq!(p.line, None);
        assert!(p.message.contains("not saved as UTF-8"), "{p}");
        assert!(p.message.contains("line 3"), "{p}");
        assert!(p.message.contains("CSV UTF-8 (Comma delimited)"), "{p}");
    }

    fn only_bytes(bytes: &[u8]) -> Problem {
        let rejected = rejected(bytes);
        assert_eq!(rejected.problems.len(), 1, "{rejected}");
        rejected.problems[0].clone()
    }

    #[test]
    fn refuses_a_file_over_the_size_limit() {
        // All zero bytes: were it parsed, it would fail differently.
        let bytes = vec![0u8; MAX_FILE_BYTES + 1];
        let p = only_bytes(&bytes);
        assert_eq!(
            p.message,
            "The file is 2.1 MB; the largest file the portal accepts is 2 MB. Split it into smaller files."
        );
        assert_eq!(megabytes(50 * 1024 * 1024), "50.0 MB");
        // Exactly the limit is not refused for its size.
        let mut at_limit = b"measure,year,result\nTP01,2025/26,78,".to_vec();
        at_limit.resize(MAX_FILE_BYTES, b' ');
        let p = only_bytes(&at_limit);
        assert!(!p.message.contains("MB"), "{p}");
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
    fn header_problems_are_file_level() {
        let p = only("measure,score,year,result,notes\nTP01,1,2025/26,78,x\n");
        assert_eq!(p.line, None);
        assert!(p.message.contains("\"score\", \"notes\""), "{p}");
        assert!(p.message.contains(&COLUMNS.join(", ")), "{p}");

        let p = only("measure,tenure\nTP01,LCRA\n");
        assert_eq!(p.line, None);
        assert!(
            p.message.contains("missing the columns year, result"),
            "{p}"
        );

        let p = only("measure,year,result,Result\nTP01,2025/26,78,78\n");
        assert!(p.message.contains("\"result\" twice"), "{p}");

        let p = only("TP01,,LCRA,2025/26,,78,80,,\n");
        assert!(p.message.contains("should be the header row"), "{p}");

        let p = only("measure;year;result\nTP01;2025/26;78\n");
        assert!(p.message.contains("separated by semicolons"), "{p}");
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
    fn the_template_passes_its_own_check() {
        for today in [TODAY, (2026, 4, 1), (2027, 3, 31), (2030, 12, 25)] {
            let template = template(today);
            let rows = check(template.as_bytes(), &catalogue(), today)
                .unwrap_or_else(|rejected| panic!("{today:?}:\n{rejected}"));
            assert!(rows.iter().any(|r| r.responses.is_some()));
            assert!(rows.iter().any(|r| !r.part.is_empty()));
            assert!(rows
                .iter()
                .any(|r| r.result.is_none() && r.target.is_some()));
            assert!(template.starts_with(&COLUMNS.join(",")));
        }
    }

    #[test]
    fn the_column_guide_covers_every_column() {
        let guide = column_guide();
        let names: Vec<_> = guide.iter().map(|(name, _, _)| *name).collect();
        assert_eq!(names, COLUMNS);
        let required: Vec<_> = guide.iter().filter(|g| g.1).map(|g| g.0).collect();
        assert_eq!(required, ["measure", "year", "result"]);
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
