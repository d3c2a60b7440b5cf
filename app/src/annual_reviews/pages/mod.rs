//! The annual review pages: the list of years, a review's sections, a
//! section's writing page (with the overlap view when two people changed
//! the same words), and a section's history with the difference between
//! any two revisions. One file a page, and the pieces they share.
mod history;
mod list;
mod parts;
mod review;
mod section;

pub use history::SectionHistoryPage;
pub use list::AnnualReviewsPage;
pub use review::AnnualReviewPage;
pub use section::SectionPage;
