//! Reading the values of single cells: reporting years, results and
//! targets, and counts of survey responses. Each returns the value or the
//! message for the person who wrote it.
use super::shown;
use crate::performance::model::{Figure, FigureError, Period, Unit};

/// Nothing older was ever published under these measures.
const EARLIEST_YEAR: i32 = 1990;
/// Targets may look ahead, but not so far that a typo (2205/06) slips in.
const MAX_YEARS_AHEAD: i32 = 10;

/// Reads "2025/26" (or "2025-26"), with messages for the usual slips.
pub(super) fn read_year(text: &str, current_year: i32) -> Result<i32, String> {
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
pub(super) fn read_figure(text: &str, unit: Option<Unit>) -> Result<Option<Figure>, String> {
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
pub(super) fn read_responses(text: &str) -> Result<Option<i64>, String> {
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::performance::model::Period;

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
}
