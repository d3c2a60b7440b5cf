//! Markdown that people write (comments, and later review sections), turned
//! into HTML on the server. The writer below emits only the tags it names
//! and escapes every piece of text, so markup typed into a comment is shown
//! as text and never runs: raw HTML, scripts, styles, event handlers and
//! `javascript:` links all come out inert.
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::html::escape;

/// The HTML for `source`: paragraphs, lists, links, emphasis, quotes and
/// code. Headings come out as bold paragraphs and images as their
/// description, so a comment cannot shout or load things from elsewhere.
pub fn to_html(source: &str) -> String {
    let mut html = String::with_capacity(source.len() * 5 / 4 + 16);
    // For each link opened: whether an <a> was written for it.
    let mut links: Vec<bool> = Vec::new();
    let mut in_code_block = false;
    for event in Parser::new(source) {
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => html.push_str("<p>"),
                Tag::Heading { .. } => html.push_str("<p><strong>"),
                Tag::BlockQuote(_) => html.push_str("<blockquote>"),
                Tag::CodeBlock(_) => {
                    in_code_block = true;
                    html.push_str("<pre><code>");
                }
                Tag::List(None) => html.push_str("<ul>\n"),
                Tag::List(Some(1)) => html.push_str("<ol>\n"),
                Tag::List(Some(start)) => html.push_str(&format!("<ol start=\"{start}\">\n")),
                Tag::Item => html.push_str("<li>"),
                Tag::Emphasis => html.push_str("<em>"),
                Tag::Strong => html.push_str("<strong>"),
                Tag::Link { dest_url, .. } => match safe_link(&dest_url) {
                    Some(href) => {
                        html.push_str(&format!(
                            "<a href=\"{}\" rel=\"nofollow ugc noopener noreferrer\">",
                            escape(href)
                        ));
                        links.push(true);
                    }
                    None => links.push(false),
                },
                // Everything else (images, tables, footnotes, HTML blocks)
                // adds no markup; its text still comes through, escaped.
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => html.push_str("</p>\n"),
                TagEnd::Heading(_) => html.push_str("</strong></p>\n"),
                TagEnd::BlockQuote(_) => html.push_str("</blockquote>\n"),
                TagEnd::CodeBlock => {
                    in_code_block = false;
                    html.push_str("</code></pre>\n");
                }
                TagEnd::List(false) => html.push_str("</ul>\n"),
                TagEnd::List(true) => html.push_str("</ol>\n"),
                TagEnd::Item => html.push_str("</li>\n"),
                TagEnd::Emphasis => html.push_str("</em>"),
                TagEnd::Strong => html.push_str("</strong>"),
                // Every link end pops its start; only a written <a> is closed.
                TagEnd::Link if links.pop() == Some(true) => html.push_str("</a>"),
                _ => {}
            },
            Event::Text(text) => {
                if in_code_block || !links.is_empty() {
                    html.push_str(&escape(&text));
                } else {
                    push_linked_text(&mut html, &text);
                }
            }
            Event::Code(code) => {
                html.push_str("<code>");
                html.push_str(&escape(&code));
                html.push_str("</code>");
            }
            // Raw HTML is shown as the text that was typed.
            Event::Html(raw) | Event::InlineHtml(raw) => html.push_str(&escape(&raw)),
            Event::SoftBreak => html.push('\n'),
            Event::HardBreak => html.push_str("<br>\n"),
            Event::Rule => html.push_str("<hr>\n"),
            Event::InlineMath(text) | Event::DisplayMath(text) => html.push_str(&escape(&text)),
            Event::FootnoteReference(label) => html.push_str(&escape(&label)),
            Event::TaskListMarker(_) => {}
        }
    }
    html
}

/// The link target if it is a web or email address; anything else
/// (`javascript:`, `data:`, relative paths) is not linked.
fn safe_link(url: &str) -> Option<&str> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let allowed = ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme) && lower.len() > scheme.len());
    (allowed && !url.chars().any(char::is_control)).then_some(url)
}

/// Text, with bare web addresses turned into links (people paste them
/// without Markdown's brackets).
fn push_linked_text(html: &mut String, text: &str) {
    let mut rest = text;
    while let Some(start) = find_address(rest) {
        html.push_str(&escape(&rest[..start]));
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(tail.len());
        // Punctuation at the end belongs to the sentence, not the address.
        let address = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'']);
        if safe_link(address).is_some() && address.len() > "https://".len() {
            html.push_str(&format!(
                "<a href=\"{0}\" rel=\"nofollow ugc noopener noreferrer\">{0}</a>",
                escape(address)
            ));
        } else {
            html.push_str(&escape(address));
        }
        rest = &tail[address.len()..];
    }
    html.push_str(&escape(rest));
}

fn find_address(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("https://"), lower.find("http://")]
        .into_iter()
        .flatten()
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_basics_become_html() {
        assert_eq!(
            to_html("Hello *there* and **you**"),
            "<p>Hello <em>there</em> and <strong>you</strong></p>\n"
        );
        assert_eq!(
            to_html("- one\n- two"),
            "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        );
        assert_eq!(
            to_html("3. three"),
            "<ol start=\"3\">\n<li>three</li>\n</ol>\n"
        );
        assert_eq!(
            to_html("[the plan](https://example.org/plan)"),
            "<p><a href=\"https://example.org/plan\" rel=\"nofollow ugc noopener noreferrer\">the plan</a></p>\n"
        );
        assert_eq!(to_html("# Big"), "<p><strong>Big</strong></p>\n");
    }

    #[test]
    fn bare_addresses_are_linked_without_their_full_stop() {
        assert_eq!(
            to_html("See https://example.org/a?b=1&c=2."),
            "<p>See <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener noreferrer\">https://example.org/a?b=1&amp;c=2</a>.</p>\n"
        );
        assert_eq!(to_html("just https://"), "<p>just https://</p>\n");
    }

    #[test]
    fn markup_and_dangerous_links_come_out_as_text() {
        assert_eq!(
            to_html("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            to_html("hi <img src=x onerror=alert(1)>"),
            "<p>hi &lt;img src=x onerror=alert(1)&gt;</p>\n"
        );
        assert_eq!(to_html("[x](javascript:alert(1))"), "<p>x</p>\n");
        assert_eq!(to_html("[x](JaVaScRiPt:alert(1))"), "<p>x</p>\n");
        assert_eq!(
            to_html("![a cat](https://example.org/cat.png)"),
            "<p>a cat</p>\n"
        );
        assert_eq!(
            to_html("[x](https://example.org/\"onmouseover=\"alert(1))"),
            "<p><a href=\"https://example.org/&quot;onmouseover=&quot;alert(1)\" rel=\"nofollow ugc noopener noreferrer\">x</a></p>\n"
        );
    }
}
