//! Making text safe to place inside HTML, attribute values included: the
//! one escape that emails, form boxes, Markdown and charts share.

/// Escapes the five characters HTML gives meaning to.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_neutralises_markup_and_keeps_the_rest() {
        assert_eq!(
            escape(r#"</svg><script>alert("x" & 'y')</script>"#),
            "&lt;/svg&gt;&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("Repairs – 2025/26"), "Repairs – 2025/26");
    }
}
