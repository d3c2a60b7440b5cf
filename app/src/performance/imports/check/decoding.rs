//! From the uploaded bytes to text the CSV reader can take: the size limit,
//! Excel's byte order mark, UTF-8, old Mac line endings, and line numbers
//! as a person sees them. Apart because none of it knows what a row means.
use std::borrow::Cow;

use super::{Problem, MAX_FILE_BYTES};

/// The file's bytes, ready for the CSV reader: without a byte order mark,
/// every line ending in a newline, and known to be UTF-8 text that is not
/// empty. Otherwise the one problem that stops the file being read at all.
pub(super) fn decode(bytes: &[u8]) -> Result<Cow<'_, [u8]>, Problem> {
    // Before anything else, so a huge upload costs nothing to refuse.
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Problem::file(format!(
            "The file is {}; the largest file the portal accepts is {} MB. Split it into smaller files.",
            megabytes(bytes.len()),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    // Excel's "CSV UTF-8" starts the file with a byte order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Old Mac files end lines with a lone CR, which the CSV reader does not
    // count as a line: make them newlines so line numbers stay true.
    let bytes = if has_lone_cr(bytes) {
        Cow::Owned(lone_cr_to_lf(bytes))
    } else {
        Cow::Borrowed(bytes)
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(error) => {
            let line = line_at(&bytes, error.valid_up_to());
            return Err(Problem::file(format!(
                "The file is not saved as UTF-8 text (the first character that cannot be read is on line {line}). \
                 In Excel, choose Save As, then 'CSV UTF-8 (Comma delimited)'."
            )));
        }
    };
    if text.trim().is_empty() {
        return Err(Problem::file(
            "The file has no rows of figures: it is empty. Download the template, fill it in and upload it again.",
        ));
    }
    Ok(bytes)
}

/// Line numbers as a person sees them. The CSV reader places a record at
/// the end of the record before it, before any blank lines it skipped, so
/// the start is found here from the byte offset instead.
pub(super) struct LineIndex<'a> {
    bytes: &'a [u8],
    /// Offsets of every '\n'.
    newlines: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> LineIndex<'a> {
        let newlines = bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| i)
            .collect();
        LineIndex { bytes, newlines }
    }

    pub(super) fn record_line(&self, from: usize) -> usize {
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

#[cfg(test)]
mod tests {
    use super::super::{check, testing::*, MAX_FILE_BYTES};
    use super::megabytes;

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
}
