//! Long lists a page at a time: members, requests to join, proposals,
//! comments on a thread, reported comments and the audit log all use this
//! one shape, with plain "Previous page" / "Next page" links that work
//! without JavaScript.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How many entries a long list shows at once.
pub const PAGE_SIZE: i64 = 50;

/// Which part of a long list one page shows. Pages are numbered from 1 and
/// read with LIMIT and OFFSET over an index in the list's order, so a page
/// costs the same however long the list is; the total is a running count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

impl Paging {
    /// The page asked for in the address (`?page=3`), kept within the list:
    /// a missing or malformed number shows the first page, one past the end
    /// the last, so a stale or mistyped link still shows something.
    pub fn clamp(asked: Option<&str>, total: i64) -> Paging {
        let pages = ((total.max(0) + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let asked = asked.unwrap_or_default().trim();
        let page = match asked.parse::<i64>() {
            Ok(page) => page,
            // Too many digits to read: further than the end.
            Err(_) if !asked.is_empty() && asked.bytes().all(|b| b.is_ascii_digit()) => pages,
            Err(_) => 1,
        };
        Paging {
            page: page.clamp(1, pages),
            pages,
            total: total.max(0),
        }
    }

    pub fn offset(self) -> i64 {
        (self.page - 1) * PAGE_SIZE
    }

    /// "Showing 51 to 100 of 200,000 members".
    pub fn showing(self, what: &str) -> String {
        let first = (self.offset() + 1).min(self.total);
        let last = (self.offset() + PAGE_SIZE).min(self.total);
        format!(
            "Showing {} to {} of {} {what}",
            grouped(first),
            grouped(last),
            grouped(self.total)
        )
    }
}

/// A whole number as people write it: 200000 as "200,000".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Plain links to the pages before and after, which work without
/// JavaScript; nothing when the list fits on one page. `href` gives the
/// address of a page number.
pub fn pager(paging: Paging, what: &'static str, href: impl Fn(i64) -> String) -> impl IntoView {
    let previous = (paging.page > 1).then(|| {
        view! {
            <a href=href(paging.page - 1) rel="prev">"Previous page"<span class="visually-hidden">{format!(" of {what}")}</span></a>" "
        }
    });
    let next = (paging.page < paging.pages).then(|| {
        view! {
            <a href=href(paging.page + 1) rel="next">"Next page"<span class="visually-hidden">{format!(" of {what}")}</span></a>
        }
    });
    (paging.pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label=format!("Pages of {what}")><p>{previous}{next}</p></nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_from_the_address_stay_within_the_list() {
        let page = |asked: &str| Paging::clamp(Some(asked), 200_000).page;
        assert_eq!(Paging::clamp(None, 200_000).pages, 4_000);
        assert_eq!((page("2"), page(" 3 "), page("4000")), (2, 3, 4_000));
        assert_eq!(
            (page("4001"), page("99999999999999999999999")),
            (4_000, 4_000)
        );
        assert_eq!((page("0"), page("-5"), page("two"), page("")), (1, 1, 1, 1));
        assert_eq!(
            Paging::clamp(Some("7"), 0).page,
            1,
            "an empty list has one page"
        );
        let second = Paging::clamp(Some("2"), 200_000);
        assert_eq!(second.offset(), 50);
        assert_eq!(
            second.showing("members"),
            "Showing 51 to 100 of 200,000 members"
        );
        assert_eq!(
            Paging::clamp(Some("3"), 126).showing("members"),
            "Showing 101 to 126 of 126 members"
        );
    }

    #[test]
    fn numbers_are_grouped_in_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(200_002), "200,002");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
    }
}
