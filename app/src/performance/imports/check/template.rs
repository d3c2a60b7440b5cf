//! What staff are given to fill in: the template file and the guide to its
//! columns shown on the import page. Kept beside the checker so that the
//! template's own rows pass it (a test holds them together).
use super::COLUMNS;
use crate::performance::model::Period;

/// Every example row's note starts with this, and the check refuses such
/// rows: an unchanged template cannot overwrite real results.
pub const EXAMPLE: &str = "EXAMPLE:";

/// Whether a row's method note marks it as one of the template's examples.
pub fn is_example(method_note: &str) -> bool {
    method_note
        .trim_start()
        .get(..EXAMPLE.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(EXAMPLE))
}

/// A template file people can download and fill in: the header and a few
/// example rows (one survey measure with responses, one measure with parts,
/// one row with only a target), valid for `today`. Each example's note
/// starts with `EXAMPLE`, so the rows are refused until they are replaced.
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
         TP01,,LCRA,{last},,78.5,80,1250,{e} replace with your figures. Telephone survey of a random sample of tenants\r\n\
         TP01,,LCHO,{last},,71,75,310,{e} replace with your figures. Postal survey of all shared owners\r\n\
         RP02,emergency,LCRA,{last},,97.2,98,,{e} replace with your figures\r\n\
         RP02,non-emergency,LCRA,{last},,88.4,90,,{e} replace with your figures\r\n\
         RP02,non-emergency,LCRA,{last},Q4,90.1,90,,{e} replace with your figures\r\n\
         TP01,,LCRA,{this},,,82,,{e} replace with your target for this year\r\n",
        COLUMNS.join(","),
        e = EXAMPLE,
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

#[cfg(test)]
mod tests {
    use super::super::{check, testing::*, COLUMNS};
    use super::{column_guide, is_example, template};

    #[test]
    fn the_template_is_refused_unchanged_line_by_line() {
        let template = template(TODAY);
        let rejected = check(template.as_bytes(), &catalogue(), TODAY)
            .unwrap_err()
            .to_string();
        let examples = template.lines().count() - 1;
        for line in 2..=examples + 1 {
            assert!(
                rejected.contains(&format!("Line {line}")),
                "line {line}: {rejected}"
            );
        }
        assert_eq!(
            rejected
                .matches("one of the template's example rows")
                .count(),
            examples,
            "{rejected}"
        );
        assert!(is_example("  example: mine"));
        assert!(!is_example("Examples of good practice were shared"));
        assert!(!is_example("Telephone survey") && !is_example(""));
    }

    #[test]
    fn the_template_with_its_examples_made_real_passes_its_own_check() {
        for today in [TODAY, (2026, 4, 1), (2027, 3, 31), (2030, 12, 25)] {
            let template =
                template(today).replace("EXAMPLE: replace with your figures", "Our figures");
            let template = template.replace("EXAMPLE: replace with your target", "Our target");
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
}
