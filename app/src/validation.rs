//! Checks on what people send, made on the server before anything is
//! written: each refusal names the field, so the form can show the message
//! beside it. The forms that send these fields are in `site::forms`.
use crate::error::AppError;

/// Checks text people typed into `field`, returning it trimmed: it must
/// not be empty, nor longer than `max` characters. `what` names it in the
/// message ("Enter a short title").
pub fn required_text(field: &str, text: &str, what: &str, max: usize) -> Result<String, AppError> {
    if text.trim().is_empty() {
        return Err(AppError::invalid(field, format!("Enter {what}")));
    }
    optional_text(field, text, what, max)
}

/// Like `required_text`, but empty is allowed (and comes back as "").
pub fn optional_text(field: &str, text: &str, what: &str, max: usize) -> Result<String, AppError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("Keep {what} to {max} characters or fewer"),
        ));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_required_and_bounded() {
        assert_eq!(
            required_text("title", "  Damp  ", "a title", 10).unwrap(),
            "Damp"
        );
        assert!(matches!(
            required_text("title", "   ", "a title", 10),
            Err(AppError::Invalid { field, .. }) if field == "title"
        ));
        assert!(optional_text("note", "", "a note", 3).unwrap().is_empty());
        assert!(optional_text("note", "four", "a note", 3).is_err());
        assert_eq!(optional_text("note", "été", "a note", 3).unwrap(), "été");
    }
}
