//! The section merge and "compare revisions" on the worst texts a panel
//! member can save, measured by an allocator that counts every byte. Its own
//! test binary, with one test, so nothing else allocates while it measures.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering},
};

use app::annual_reviews::{merge, MAX_SECTION_CHARS};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated at the most, above what was live before, while `work` ran.
fn peak_bytes_of<T>(work: impl FnOnce() -> T) -> (usize, T) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = work();
    (PEAK.load(Ordering::Relaxed) - before, result)
}

/// A section as long as the portal takes, of the shortest lines there are
/// (mostly empty lines, some "a"), in an order drawn from `seed`: the most
/// pieces, few of them in the same place in another such text.
fn short_lines(seed: u64) -> String {
    let mut state = seed;
    let mut text = String::with_capacity(MAX_SECTION_CHARS);
    while text.len() + 2 <= MAX_SECTION_CHARS {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if state >> 62 == 0 {
            text.push('a');
        }
        text.push('\n');
    }
    text
}

const LIMIT: usize = 64 * 1024 * 1024;

#[test]
fn the_worst_merge_and_comparison_a_panel_member_can_ask_for_stay_small() {
    let (base, mine, theirs) = (short_lines(1), short_lines(2), short_lines(3));
    assert!(merge::pieces(&base).len() > MAX_SECTION_CHARS * 3 / 4);

    let (merge_peak, merged) = peak_bytes_of(|| merge::merge(&base, &mine, &theirs));
    let (diff_peak, changes) = peak_bytes_of(|| merge::diff(&base, &mine));
    println!(
        "worst-case merge: peak {:.1} MB; worst-case comparison: peak {:.1} MB",
        merge_peak as f64 / 1e6,
        diff_peak as f64 / 1e6
    );

    // Still true answers: the comparison rebuilds both texts, and a clean
    // merge would have to contain both sides' pieces.
    let (mut old, mut new) = (String::new(), String::new());
    for change in &changes {
        match change {
            merge::Change::Same(text) => {
                old.push_str(text);
                new.push_str(text);
            }
            merge::Change::Removed(text) => old.push_str(text),
            merge::Change::Added(text) => new.push_str(text),
        }
    }
    assert_eq!((old, new), (base.clone(), mine.clone()));
    assert_eq!(merged, merge::Merged::Conflict);

    assert!(merge_peak < LIMIT, "merge peaked at {merge_peak} bytes");
    assert!(diff_peak < LIMIT, "comparison peaked at {diff_peak} bytes");
}
