//! Words a poster puts between a field's label and its value (`QQ如下：…`, `本名是这个王玉兰`,
//! `地址在这…`), from the lexicon's `label.tail` rows. A label hit of two characters or more
//! that such a word follows is read as ending after it, so every detector finds the value
//! where it finds it after the label alone.
//!
//! Not as terms of the lexicon (every label with every tail): those 3,000 terms made the search
//! compare more terms at every label's start, 4.5 M instructions a pass of the dev corpus. Here
//! only the few label hits of a post look at what follows them.

use crate::chars::{CharBloom, Class};
use crate::dict::Dictionaries;
use crate::lexicon::{Group, Hit, MAX_HIT_SPAN};
use crate::text::Text;

pub struct LabelTails {
    /// The words as folded characters, longest first (`在这里` before `在这`).
    words: Vec<Vec<char>>,
    /// Their first and second characters: most labels are followed by none of them.
    first: CharBloom,
    second: CharBloom,
}

impl LabelTails {
    pub fn build(dicts: &Dictionaries) -> LabelTails {
        let mut words: Vec<Vec<char>> = dicts
            .lexicon_rows()
            .filter(|&(group, _, _)| group == "label.tail")
            .map(|(_, term, _)| term.chars().collect())
            .collect();
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        let refs: Vec<&[char]> = words.iter().map(Vec::as_slice).collect();
        let first = CharBloom::of(&refs, false, 1..=usize::MAX);
        let seconds: Vec<&[char]> = words.iter().map(|w| &w[1..]).collect();
        let second = CharBloom::of(&seconds, false, 1..=usize::MAX);
        LabelTails {
            words,
            first,
            second,
        }
    }

    /// Whether a tail word may start at `i` or one space or invisible character on (its
    /// first and second characters pass the filters): asked of every label hit.
    #[inline(always)]
    pub fn may_follow(&self, t: &Text, i: usize) -> bool {
        if i + 1 >= t.len() {
            return false;
        }
        let (a, b) = (t.fold(i), t.fold(i + 1));
        if self.first.may_contain(a) {
            self.second.may_contain(b) || matches!(t.class(i + 1), Class::Space | Class::Invisible)
        } else {
            matches!(t.class(i), Class::Space | Class::Invisible) && self.first.may_contain(b)
        }
    }

    /// The end of the tail word that starts at `i` (over spaces and invisible characters before
    /// it, up to two, and between its characters), if one does.
    fn tail_end(&self, t: &Text, i: usize) -> Option<usize> {
        let mut j = i;
        while j < t.len() && matches!(t.class(j), Class::Space | Class::Invisible) && j - i < 2 {
            j += 1;
        }
        if j >= t.len() {
            return None;
        }
        let first = t.fold(j);
        self.words.iter().filter(|w| w[0] == first).find_map(|w| {
            let mut k = j;
            for &c in w {
                // (Letter-spaced too: `如 下`, `给 你 们`.)
                while k < t.len() && matches!(t.class(k), Class::Space | Class::Invisible) {
                    k += 1;
                }
                if k >= t.len() || t.fold(k) != c {
                    return None;
                }
                k += 1;
            }
            Some(k)
        })
    }

    /// Extends the label hit `k` (of two characters or more) over the tail word after it, if
    /// one follows; keeps the hits in their order (by start, the longest first).
    pub fn extend(&self, t: &Text, hits: &mut [Hit], k: usize) {
        let h = &hits[k];
        if !matches!(h.group, Group::Label(_)) || h.end - h.start < 2 {
            return;
        }
        let Some(e) = self
            .tail_end(t, h.end)
            .filter(|&e| e - h.start <= MAX_HIT_SPAN)
        else {
            return;
        };
        hits[k].end = e;
        // Before the hits of the same start that are now shorter (all at or before `k`: a
        // caller walking the hits has seen them).
        let mut m = k;
        while m > 0 && hits[m - 1].start == hits[m].start && hits[m - 1].end < e {
            hits.swap(m - 1, m);
            m -= 1;
        }
    }
}
