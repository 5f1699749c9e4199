//! Shared fixtures for unit tests: the embedded dictionaries, parsed once.

use crate::dict::Dictionaries;
use std::sync::OnceLock;

pub fn dicts() -> &'static Dictionaries {
    static D: OnceLock<Dictionaries> = OnceLock::new();
    D.get_or_init(|| Dictionaries::embedded().expect("embedded dictionaries parse"))
}
