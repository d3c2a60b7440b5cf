//! The files a review's evidence log accepts: which kinds, how each is
//! checked to be what its name says, and how a kind and size read to
//! people. No database here; the documents themselves are in `queries::documents`.
use crate::error::AppError;

pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// The kinds of file accepted: (extension, content type, what people call it).
const KINDS: &[(&str, &str, &str)] = &[
    ("pdf", "application/pdf", "PDF"),
    ("png", "image/png", "PNG image"),
    ("jpg", "image/jpeg", "JPEG image"),
    ("jpeg", "image/jpeg", "JPEG image"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel spreadsheet",
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint slides",
    ),
    (
        "odt",
        "application/vnd.oasis.opendocument.text",
        "OpenDocument text",
    ),
    (
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        "OpenDocument spreadsheet",
    ),
    ("txt", "text/plain; charset=utf-8", "text file"),
    ("csv", "text/csv; charset=utf-8", "CSV file"),
];

/// What kind of document a file is, from its name, checked against its
/// first bytes so that a renamed program or web page is refused.
pub fn kind_of(file_name: &str, bytes: &[u8]) -> Result<(&'static str, &'static str), AppError> {
    let refuse = |message: String| AppError::invalid("file", message);
    if bytes.is_empty() {
        return Err(refuse(
            "The file is empty. Choose the document again.".into(),
        ));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(refuse(too_large_message(bytes.len())));
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    let &(_, content_type, label) = KINDS
        .iter()
        .find(|(known, _, _)| *known == extension)
        .ok_or_else(|| {
            refuse("The portal accepts PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, text and CSV files. Save the document as one of those and try again.".into())
        })?;
    let looks_right = match extension.as_str() {
        "pdf" => bytes.starts_with(b"%PDF-"),
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "docx" | "xlsx" | "pptx" | "odt" | "ods" => bytes.starts_with(b"PK\x03\x04"),
        // Text must be text: UTF-8 without control bytes a page could hide in.
        _ => {
            std::str::from_utf8(bytes).is_ok()
                && !bytes
                    .iter()
                    .any(|&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        }
    };
    if !looks_right {
        return Err(refuse(format!(
            "The file is called \u{201c}{file_name}\u{201d} but it is not a {label}. It may be damaged, or saved in another format."
        )));
    }
    Ok((content_type, label))
}

pub fn too_large_message(length: usize) -> String {
    format!(
        "The file is {:.1} MB; the largest document the portal accepts is {} MB. Try saving it smaller, or as a PDF.",
        length as f64 / (1024.0 * 1024.0),
        MAX_DOCUMENT_BYTES / (1024 * 1024)
    )
}

/// What people call a stored document's kind: "PDF", "Word document".
pub fn label_of(content_type: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(_, known, _)| *known == content_type)
        .map(|(_, _, label)| *label)
        .unwrap_or("Document")
}

/// "240 KB", "3.4 MB".
pub fn size_text(bytes: i64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", (bytes + 1023) / 1024)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// A file name safe for a download header: no paths, quotes or control
/// characters.
pub fn download_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '"' | ';') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.trim().is_empty() {
        "document".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_must_be_what_their_names_say() {
        assert_eq!(kind_of("Minutes.PDF", b"%PDF-1.7 ...").unwrap().1, "PDF");
        assert_eq!(
            kind_of("notes.txt", "Café\r\nline 2\t".as_bytes())
                .unwrap()
                .1,
            "text file"
        );
        assert!(kind_of("photo.jpg", b"\xFF\xD8\xFF\xE0rest").is_ok());
        assert!(kind_of("report.docx", b"PK\x03\x04rest").is_ok());
        for (name, bytes) in [
            ("report.pdf", &b"<html><script>alert(1)</script>"[..]),
            ("run.exe", b"MZ\x90\x00"),
            ("page.html", b"<html>"),
            ("noextension", b"%PDF-1.7"),
            ("notes.txt", b"\x00\x01binary"),
            ("notes.txt", b"\xff\xfe not utf-8"),
            ("empty.pdf", b""),
        ] {
            let error = kind_of(name, bytes).unwrap_err();
            assert!(
                matches!(error, AppError::Invalid { ref field, .. } if field == "file"),
                "{name}"
            );
        }
        let big = vec![b'a'; MAX_DOCUMENT_BYTES + 1];
        assert!(kind_of("big.txt", &big)
            .unwrap_err()
            .to_string()
            .contains("10 MB"));
    }

    #[test]
    fn download_names_cannot_break_out_of_the_header() {
        assert_eq!(download_name("C:\\Users\\me\\Minutes.pdf"), "Minutes.pdf");
        assert_eq!(download_name("../../etc/passwd"), "passwd");
        assert_eq!(download_name("a\"; b.pdf\r\n"), "a__ b.pdf__");
        assert_eq!(download_name(""), "document");
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(1), "1 KB");
        assert_eq!(size_text(245_000), "240 KB");
        assert_eq!(size_text(3_565_158), "3.4 MB");
    }
}
