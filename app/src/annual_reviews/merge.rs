//! Three-way merging of a section's text, so that two people who edit the
//! same section from the same starting point never overwrite each other:
//! where their changes touch different sentences, with at least one
//! sentence or line between them that neither changed, they combine; where
//! they touch the same or neighbouring sentences, the second person sees
//! both and decides.
//!
//! Text is compared in small pieces: each line, split again after the end of
//! every sentence. Joining the pieces gives back the text exactly.

/// What came of combining two edits of the same base text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Both edits applied together.
    Clean(String),
    /// The edits overlap; nothing is combined.
    Conflict,
}

/// Splits text into pieces: lines, and sentences within lines, each piece
/// keeping its ending (". ", "\n") so that joining them gives the text back.
pub fn pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\n' => Some(i + 1),
            b'.' | b'?' | b'!' if bytes.get(i + 1) == Some(&b' ') => {
                // The spaces after a sentence belong to it.
                let mut j = i + 1;
                while bytes.get(j) == Some(&b' ') {
                    j += 1;
                }
                Some(j)
            }
            _ => None,
        };
        if let Some(end) = end {
            pieces.push(&text[start..end]);
            start = end;
            i = end;
        } else {
            i += 1;
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// The longest a comparison may search for the fewest changes. Past it the
/// answer is still a true comparison, only coarser (a merge then leaves more
/// to people), so no choice of texts can hold a worker for long.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(500);

/// Pairs of indexes (in `a`, in `b`) of pieces the two have in common, in
/// order. Myers' comparison in linear space (the `similar` crate): memory
/// grows with the number of pieces, never with pieces × pieces.
fn common<T: Eq + std::hash::Hash>(a: &[T], b: &[T]) -> Vec<(usize, usize)> {
    let deadline = std::time::Instant::now().checked_add(DIFF_DEADLINE);
    similar::capture_diff_slices_deadline(similar::Algorithm::Myers, a, b, deadline)
        .into_iter()
        .filter_map(|op| match op {
            similar::DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => Some((0..len).map(move |k| (old_index + k, new_index + k))),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Combines `mine` and `theirs`, both edited from `base`.
pub fn merge(base: &str, mine: &str, theirs: &str) -> Merged {
    if mine == theirs || theirs == base {
        return Merged::Clean(mine.to_string());
    }
    if mine == base {
        return Merged::Clean(theirs.to_string());
    }
    let (o, a, b) = (pieces(base), pieces(mine), pieces(theirs));
    // For each base piece: where it is in mine and in theirs, if kept.
    let mut in_a = vec![None; o.len()];
    for (i, j) in common(&o, &a) {
        in_a[i] = Some(j);
    }
    let mut in_b = vec![None; o.len()];
    for (i, j) in common(&o, &b) {
        in_b[i] = Some(j);
    }
    let mut out = String::with_capacity(mine.len().max(theirs.len()));
    // Positions just after the last piece both kept.
    let (mut oi, mut ai, mut bi) = (0, 0, 0);
    let anchors = (0..o.len())
        .filter_map(|i| Some((i, in_a[i]?, in_b[i]?)))
        .chain(std::iter::once((o.len(), a.len(), b.len())));
    for (o_end, a_end, b_end) in anchors {
        let (base_chunk, mine_chunk, theirs_chunk) = (&o[oi..o_end], &a[ai..a_end], &b[bi..b_end]);
        let chunk = if mine_chunk == base_chunk {
            theirs_chunk
        } else if theirs_chunk == base_chunk || mine_chunk == theirs_chunk {
            mine_chunk
        } else {
            return Merged::Conflict;
        };
        out.extend(chunk.iter().copied());
        if o_end < o.len() {
            out.push_str(o[o_end]);
        }
        (oi, ai, bi) = (o_end + 1, a_end + 1, b_end + 1);
    }
    Merged::Clean(out)
}

/// One piece of a comparison between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    Same(String),
    Removed(String),
    Added(String),
}

/// What changed from `old` to `new`, piece by piece, with neighbouring
/// pieces of the same kind joined.
pub fn diff(old: &str, new: &str) -> Vec<Change> {
    let (a, b) = (pieces(old), pieces(new));
    let mut changes: Vec<Change> = Vec::new();
    let mut push = |change: Change| match (changes.last_mut(), &change) {
        (Some(Change::Same(text)), Change::Same(more))
        | (Some(Change::Removed(text)), Change::Removed(more))
        | (Some(Change::Added(text)), Change::Added(more)) => text.push_str(more),
        _ => changes.push(change),
    };
    let (mut i, mut j) = (0, 0);
    for (ai, bj) in common(&a, &b)
        .into_iter()
        .chain(std::iter::once((a.len(), b.len())))
    {
        for piece in &a[i..ai] {
            push(Change::Removed(piece.to_string()));
        }
        for piece in &b[j..bj] {
            push(Change::Added(piece.to_string()));
        }
        if ai < a.len() {
            push(Change::Same(a[ai].to_string()));
        }
        (i, j) = (ai + 1, bj + 1);
    }
    changes
}

/// `merge`, on a blocking thread: long texts take milliseconds of CPU that
/// must not stall the pages other people are waiting for.
#[cfg(feature = "ssr")]
pub async fn merge_apart(
    base: String,
    mine: String,
    theirs: String,
) -> Result<Merged, crate::error::AppError> {
    tokio::task::spawn_blocking(move || merge(&base, &mine, &theirs))
        .await
        .map_err(|e| crate::error::AppError::internal("merging a section", e))
}

/// `diff`, on a blocking thread (see `merge_apart`).
#[cfg(feature = "ssr")]
pub async fn diff_apart(old: String, new: String) -> Result<Vec<Change>, crate::error::AppError> {
    tokio::task::spawn_blocking(move || diff(&old, &new))
        .await
        .map_err(|e| crate::error::AppError::internal("comparing revisions", e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_diff_shows_what_was_removed_and_added() {
        let changes = diff(
            "Repairs were slow. Complaints rose. ",
            "Repairs were slow. Complaints fell. Good.",
        );
        assert_eq!(
            changes,
            [
                Change::Same("Repairs were slow. ".into()),
                Change::Removed("Complaints rose. ".into()),
                Change::Added("Complaints fell. Good.".into()),
            ]
        );
        assert_eq!(diff("", ""), []);
    }

    use super::*;

    #[test]
    fn pieces_join_back_into_the_text() {
        let text = "First sentence.  Second one? Yes!\nA new line\n\n- a list item. More.";
        let split = pieces(text);
        assert_eq!(split.concat(), text);
        assert_eq!(split[0], "First sentence.  ");
        assert_eq!(split[1], "Second one? ");
        assert_eq!(split[2], "Yes!\n");
        assert!(pieces("").is_empty());
    }

    #[test]
    fn edits_to_different_sentences_combine() {
        let base = "Repairs were slow. Complaints rose. Cleaning improved.";
        let mine = "Repairs were much slower than promised. Complaints rose. Cleaning improved.";
        let theirs = "Repairs were slow. Complaints rose. Cleaning improved in every block.";
        assert_eq!(
            merge(base, mine, theirs),
            Merged::Clean(
                "Repairs were much slower than promised. Complaints rose. Cleaning improved in every block."
                    .into()
            )
        );
    }

    #[test]
    fn edits_to_different_paragraphs_and_additions_combine() {
        let base = "Intro.\n\nMiddle.\n\nEnd.\n";
        let mine = "Intro, rewritten.\n\nMiddle.\n\nEnd.\n";
        let theirs = "Intro.\n\nMiddle.\n\nEnd.\n\nA new closing paragraph.\n";
        assert_eq!(
            merge(base, mine, theirs),
            Merged::Clean(
                "Intro, rewritten.\n\nMiddle.\n\nEnd.\n\nA new closing paragraph.\n".into()
            )
        );
        // One deletes a paragraph the other did not touch.
        let deleted = "Intro.\n\nEnd.\n";
        assert_eq!(
            merge(base, deleted, theirs),
            Merged::Clean("Intro.\n\nEnd.\n\nA new closing paragraph.\n".into())
        );
    }

    #[test]
    fn edits_to_neighbouring_sentences_are_left_to_people() {
        let base = "One. Two. Three.";
        assert_eq!(
            merge(base, "One! Two. Three.", "One. Two? Three."),
            Merged::Conflict
        );
        assert_eq!(
            merge(base, "One! Two. Three.", "One. Two. Three?"),
            Merged::Clean("One! Two. Three?".into())
        );
    }

    #[test]
    fn edits_to_the_same_sentence_conflict_unless_identical() {
        let base = "Repairs were slow. Complaints rose.";
        let mine = "Repairs were very slow. Complaints rose.";
        let theirs = "Repairs were quick. Complaints rose.";
        assert_eq!(merge(base, mine, theirs), Merged::Conflict);
        assert_eq!(merge(base, mine, mine), Merged::Clean(mine.into()));
        // Both added different text at the same place.
        assert_eq!(merge("", "Mine.", "Theirs."), Merged::Conflict);
    }

    #[test]
    fn an_unchanged_side_takes_the_other() {
        assert_eq!(merge("a", "a", "b"), Merged::Clean("b".into()));
        assert_eq!(merge("a", "b", "a"), Merged::Clean("b".into()));
    }
}
