//! `doxwatch eval`: exact-span scores per kind and post-level label scores on a labelled corpus
//! in the format of `shared/eval/README.md` (the reference scorer is `score.py`; this is the
//! same arithmetic for a quick loop without Python).

use anyhow::{Context, Result};
use doxwatch_detect::Scanner;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

#[derive(Deserialize)]
struct Gold {
    id: String,
    text: String,
    #[serde(default)]
    gold: Vec<Span>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    meta: Meta,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    hard_negatives: Vec<HardNeg>,
}

#[derive(Deserialize)]
struct HardNeg {
    start: u32,
    end: u32,
}

#[derive(Deserialize)]
struct Span {
    kind: String,
    start: u32,
    end: u32,
}

#[derive(Default, Clone, Copy)]
pub struct Prf {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Prf {
    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }

    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

pub struct Scores {
    pub kinds: BTreeMap<String, Prf>,
    pub labels: BTreeMap<&'static str, Prf>,
    pub hard_negatives: usize,
    pub hard_negatives_flagged: usize,
    pub errors: Vec<String>,
}

pub fn score(scanner: &Scanner, corpus: &str) -> Result<Scores> {
    let mut kinds: BTreeMap<String, Prf> = BTreeMap::new();
    let mut labels: BTreeMap<&'static str, Prf> = BTreeMap::new();
    let (mut hn, mut hn_flagged) = (0, 0);
    let mut errors = Vec::new();
    for (n, line) in corpus.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let g: Gold = serde_json::from_str(line).with_context(|| format!("line {}", n + 1))?;
        let r = scanner.scan(&g.text);
        let pred: HashSet<(String, u32, u32)> = r
            .findings
            .iter()
            .map(|f| (f.kind.as_str().to_string(), f.span.start, f.span.end))
            .collect();
        let gold: HashSet<(String, u32, u32)> = g
            .gold
            .iter()
            .map(|s| (s.kind.clone(), s.start, s.end))
            .collect();
        for p in &pred {
            let e = kinds.entry(p.0.clone()).or_default();
            if gold.contains(p) {
                e.tp += 1;
            } else {
                e.fp += 1;
            }
        }
        for s in gold.difference(&pred) {
            kinds.entry(s.0.clone()).or_default().fn_ += 1;
        }
        for h in &g.meta.hard_negatives {
            hn += 1;
            if r.findings
                .iter()
                .any(|f| f.span.start < h.end && h.start < f.span.end)
            {
                hn_flagged += 1;
            }
        }
        for label in ["doxxing_post", "data_sale_ad"] {
            let want = g.labels.iter().any(|l| l == label);
            let got = r.labels.contains(&label);
            let e = labels.entry(label).or_default();
            match (want, got) {
                (true, true) => e.tp += 1,
                (false, true) => e.fp += 1,
                (true, false) => e.fn_ += 1,
                _ => {}
            }
            if want != got {
                errors.push(format!(
                    "{} want {:?} got {:?}: {}",
                    g.id,
                    g.labels,
                    r.labels,
                    g.text.replace('\n', "⏎")
                ));
            }
        }
    }
    Ok(Scores {
        kinds,
        labels,
        hard_negatives: hn,
        hard_negatives_flagged: hn_flagged,
        errors,
    })
}

pub fn run(path: &Path, show_errors: bool) -> Result<ExitCode> {
    let corpus =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let scanner = Scanner::new()?;
    let s = score(&scanner, &corpus)?;
    // F1 stays the fifth column (tests/corpus.rs reads the table); P and R follow it.
    println!(
        "{:<12} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7}",
        "kind", "tp", "fp", "fn", "F1", "P", "R"
    );
    for (k, p) in &s.kinds {
        println!(
            "{k:<12} {:>6} {:>6} {:>6} {:>7.4} {:>7.4} {:>7.4}",
            p.tp,
            p.fp,
            p.fn_,
            p.f1(),
            p.precision(),
            p.recall()
        );
    }
    for (k, p) in &s.labels {
        println!(
            "{k:<12} {:>6} {:>6} {:>6} {:>7.4} {:>7.4} {:>7.4}  (post level)",
            p.tp,
            p.fp,
            p.fn_,
            p.f1(),
            p.precision(),
            p.recall()
        );
    }
    println!(
        "hard negatives flagged: {}/{} ({:.2}%)",
        s.hard_negatives_flagged,
        s.hard_negatives,
        100.0 * s.hard_negatives_flagged as f64 / s.hard_negatives.max(1) as f64
    );
    if show_errors {
        for e in &s.errors {
            println!("{e}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
