//! What the checker's tests share: a day to check against, a catalogue of
//! measures, and short ways to say "this file passes" or "this is its one problem".
use super::{check, ImportRow, KnownMeasure, Problem, Rejected};
use crate::performance::model::{Figure, Unit};

/// A day in 2026/27: 2025/26 has ended, 2026/27 has not.
pub(super) const TODAY: (i32, u32, u32) = (2026, 5, 10);

pub(super) fn measure(code: &str, unit: Unit, survey: bool, parts: &[&str]) -> KnownMeasure {
    KnownMeasure {
        code: code.into(),
        unit,
        survey,
        parts: parts.iter().map(|p| p.to_string()).collect(),
    }
}

pub(super) fn catalogue() -> Vec<KnownMeasure> {
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

pub(super) fn ok(text: &str) -> Vec<ImportRow> {
    match check(text.as_bytes(), &catalogue(), TODAY) {
        Ok(rows) => rows,
        Err(rejected) => panic!("expected the file to pass, got:\n{rejected}"),
    }
}

pub(super) fn rejected(bytes: &[u8]) -> Rejected {
    match check(bytes, &catalogue(), TODAY) {
        Ok(rows) => panic!("expected the file to be refused, got {rows:?}"),
        Err(rejected) => rejected,
    }
}

/// The single problem with a file; fails if there are more or none.
pub(super) fn only(text: &str) -> Problem {
    let rejected = rejected(text.as_bytes());
    assert_eq!(rejected.problems.len(), 1, "{rejected}");
    assert_eq!(rejected.more, 0);
    rejected.problems[0].clone()
}

/// The one problem with a file of a header and `row` as line 2.
pub(super) fn row_problem(header: &str, row: &str) -> Problem {
    only(&format!("{header}\n{row}\n"))
}

pub(super) fn assert_cell(problem: &Problem, line: usize, column: &str, words: &str) {
    assert_eq!(problem.line, Some(line), "{problem}");
    assert_eq!(problem.column.as_deref(), Some(column), "{problem}");
    assert!(
        problem.message.contains(words),
        "{problem:?} lacks {words:?}"
    );
}

pub(super) fn f(text: &str) -> Figure {
    Figure::parse(text).unwrap()
}

pub(super) const FULL: &str =
    "measure,part,tenure,year,quarter,result,target,responses,method_note";

pub(super) const MIN: &str = "measure,year,result";

pub(super) fn only_bytes(bytes: &[u8]) -> Problem {
    let rejected = rejected(bytes);
    assert_eq!(rejected.problems.len(), 1, "{rejected}");
    rejected.problems[0].clone()
}
