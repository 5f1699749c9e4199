//! Arbitrary bytes → lossy UTF-8 → `text::Text::load`, the normalizer every scan starts with,
//! then every accessor over the whole text. Checks the structural invariants of the views: one
//! folded `CharInfo` per code point, one skeleton position per skeleton character, skeleton
//! positions in order and inside the text, and every skeleton character the fold of its code
//! point.
#![no_main]

use doxwatch_detect::chars::CharTable;
use doxwatch_detect::text::Text;
use doxwatch_detect::Dictionaries;
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use std::sync::OnceLock;

static TABLE: OnceLock<CharTable> = OnceLock::new();

thread_local! {
    // Reused across inputs, as a scanner's scratch is: stale state must not leak into a load.
    static TEXT: RefCell<Text> = RefCell::new(Text::default());
}

fuzz_target!(|data: &[u8]| {
    let table = TABLE.get_or_init(|| {
        let dicts = Dictionaries::embedded().expect("embedded dictionaries load");
        CharTable::new(&dicts.t2s)
    });
    let text = String::from_utf8_lossy(data);
    TEXT.with(|t| {
        let t = &mut *t.borrow_mut();
        t.load(table, &text);
        let n = text.chars().count();
        assert_eq!(t.len(), n);
        assert_eq!(t.chars.len(), n);
        assert_eq!(t.info.len(), n);
        assert_eq!(t.is_empty(), n == 0);
        assert_eq!(t.skel.len(), t.skel_pos.len());
        assert!(
            t.skel
                .iter()
                .zip(&t.skel_pos)
                .all(|(&c, &p)| c.to_ascii_lowercase() == t.fold(p as usize).to_ascii_lowercase()),
            "skeleton characters are folds"
        );
        assert!(
            t.skel_pos.windows(2).all(|w| w[0] <= w[1]),
            "skeleton in order"
        );
        assert!(
            t.skel_pos.iter().all(|&p| (p as usize) < n),
            "skeleton inside text"
        );
        for i in 0..n {
            let _ = (t.class(i), t.fold(i), t.ascii_alnum(i));
            assert!(t.skip_invisible(i) >= i);
            if let Some(j) = t.next_visible(i) {
                assert!(j >= i && j < n);
            }
            if let Some(j) = t.prev_visible(i) {
                assert!(j < i);
            }
        }
        let _ = (t.folded(0, n), t.compact(0, n), t.has_newline(0, n));
        if !t.skel.is_empty() {
            let (a, b) = t.skel_span(0, t.skel.len());
            assert!(a < b && b <= n);
        }
    });
});
