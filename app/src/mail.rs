//! Email goes through an outbox: work that sends a message writes an outbox
//! row in the same transaction as the change itself, and the server's worker
//! delivers it later (retrying while the mail server is down). So a change
//! and its message happen together or not at all.
use sqlx::{Any, Executor};

use crate::{html::escape, time::Timestamp};

/// A message with a plain-text and an HTML part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Email {
    /// A short message: greeting, paragraphs, an optional button link, and a
    /// closing line saying plainly why the person received it.
    pub fn compose(
        to: &str,
        subject: &str,
        greeting: &str,
        paragraphs: &[String],
        action: Option<(&str, &str)>,
        why: &str,
    ) -> Email {
        let mut text = format!("{greeting}\n\n");
        let mut html = format!(
            "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body style=\"font-family: Arial, sans-serif; font-size: 18px; line-height: 1.5; color: #1b1b1b;\">\
             <p>{}</p>",
            escape(subject),
            escape(greeting)
        );
        for paragraph in paragraphs {
            text.push_str(paragraph);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape(paragraph)));
        }
        if let Some((label, link)) = action {
            text.push_str(&format!("{label}:\n{link}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{0}\" style=\"display: inline-block; padding: 12px 20px; background: #0b5394; \
                 color: #ffffff; text-decoration: underline;\">{1}</a></p>\
                 <p>If the button does not work, copy this address into your browser:<br>{0}</p>",
                escape(link),
                escape(label)
            ));
        }
        text.push_str(&format!("-- \nWhy you received this: {why}\n"));
        html.push_str(&format!(
            "<hr><p style=\"font-size: 16px; color: #444444;\">Why you received this: {}</p></body></html>",
            escape(why)
        ));
        Email {
            to: to.to_string(),
            subject: subject.to_string(),
            text,
            html,
        }
    }
}

/// Queues a message for delivery, inside the caller's transaction.
pub async fn enqueue<'c>(
    executor: impl Executor<'c, Database = Any>,
    email: &Email,
) -> Result<(), sqlx::Error> {
    let now = Timestamp::now();
    sqlx::query(
        "INSERT INTO outbox (recipient, subject, body_text, body_html, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .bind(now)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_both_parts_escape_html_and_say_why() {
        let email = Email::compose(
            "a@example.org",
            "Sign in",
            "Hello <Aisha>,",
            &["Use the link.".into()],
            Some(("Sign in", "https://portal.test/sign-in/link?token=abc&x=1")),
            "someone asked to sign in with this address.",
        );
        assert!(email.text.contains("Hello <Aisha>,"));
        assert!(email
            .text
            .contains("https://portal.test/sign-in/link?token=abc&x=1"));
        assert!(email.html.contains("Hello &lt;Aisha&gt;,"));
        assert!(email
            .html
            .contains("href=\"https://portal.test/sign-in/link?token=abc&amp;x=1\""));
        assert!(email.text.contains("Why you received this: someone asked"));
        assert!(email.html.contains("Why you received this: someone asked"));
    }
}
