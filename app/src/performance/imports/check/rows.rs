//! One row of figures: every cell read against the landlord's measures,
//! the row as a whole (its width, stray values, a result for a period not
//! yet over) and rows repeating a figure already given.
use std::collections::HashMap;

use super::{
    column_letter, grouped,
    layout::Layout,
    shown,
    values::{read_figure, read_responses, read_year},
    ImportRow, KnownMeasure, Problem, Problems, COLUMNS, MEASURE, METHOD_NOTE, PART, QUARTER,
    RESPONSES, RESULT, TARGET, TENURE, YEAR,
};
use crate::performance::model::{Period, Tenure};

/// Long enough for a sentence or two on method; longer belongs in a report.
const MAX_NOTE_CHARS: usize = 500;

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
pub(super) type RowKey = (String, String, Tenure, Period);

pub(super) struct RowChecker<'a> {
    pub(super) catalogue: &'a HashMap<String, &'a KnownMeasure>,
    pub(super) today: (i32, u32, u32),
    pub(super) current_year: i32,
}

impl RowChecker<'_> {
    /// Checks one row, adding every problem found; returns the row only when
    /// it has none.
    pub(super) fn check_row(
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
        // The template's example figures, uploaded unchanged, would overwrite
        // real results: such rows are refused until someone makes them theirs.
        if super::template::is_example(layout.get(record, METHOD_NOTE)) {
            fail(Problem::cell(
                line,
                METHOD_NOTE,
                format!(
                    "This is one of the template's example rows, not your own figures (its note starts with \"{}\"). \
                     Replace the figures and the note with your own, or delete the line.",
                    super::template::EXAMPLE
                ),
            ));
            return None;
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::performance::model::Period;

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
    fn refuses_bad_tenure() {
        let p = row_problem("measure,tenure,year,result", "TP01,rented,2025/26,78");
        assert_cell(&p, 2, "tenure", "Write LCRA for rented homes or LCHO");
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
}
