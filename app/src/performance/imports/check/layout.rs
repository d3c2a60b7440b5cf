//! The header row: which of the nine columns the file has and where, and
//! the whole-file problems when the header cannot be used.
use super::{shown, Problem, COLUMNS, MEASURE, RESULT, YEAR};

/// Columns without which no row can be understood.
const REQUIRED: [usize; 3] = [MEASURE, YEAR, RESULT];

/// Where each of the nine columns sits in this file's rows.
pub(super) struct Layout {
    pub(super) index: [Option<usize>; 9],
    /// Positions of columns whose header cell is blank; tolerated because
    /// spreadsheets add them, but any value under them is an error.
    pub(super) unnamed: Vec<usize>,
    pub(super) width: usize,
}

impl Layout {
    pub(super) fn read(header: &csv::StringRecord, line: usize) -> Result<Layout, Vec<Problem>> {
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
    pub(super) fn get<'r>(&self, record: &'r csv::StringRecord, column: usize) -> &'r str {
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

#[cfg(test)]
mod tests {
    use super::super::{testing::*, COLUMNS};
    use crate::performance::model::{Period, Tenure};

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
}
