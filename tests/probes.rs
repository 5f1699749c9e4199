//! The probe posts of `scripts/probes.tsv` (phrasings and evasions the development corpus does
//! not hold, written while generalising the matcher) as a regression test: every probe gets the
//! label its EXPECT names, and every known gap (EXPECT ending in `!`) still misses it, so that a
//! fixed gap is promoted to a plain probe instead of staying listed as a gap.

use doxwatch_detect::Scanner;

/// The label a probe's expectation needs; `None` for `x` (anything).
fn wanted(expect: &str) -> Option<&'static str> {
    match expect {
        "d" => Some("doxxing_post"),
        "a" => Some("data_sale_ad"),
        "n" => Some("benign"),
        "x" => None,
        other => panic!("unknown expectation {other:?} in scripts/probes.tsv"),
    }
}

#[test]
fn probes_get_their_labels_and_gaps_stay_marked() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/probes.tsv");
    let tsv = std::fs::read_to_string(&path).unwrap();
    let scanner = Scanner::new().unwrap();
    let (mut probes, mut wrong) = (0, Vec::new());
    for (n, line) in tsv.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (expect, text) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("line {}: no tab", n + 1));
        let gap = expect.ends_with('!');
        let Some(want) = wanted(expect.trim_end_matches('!')) else {
            continue;
        };
        probes += 1;
        let r = scanner.scan(&text.replace("\\n", "\n"));
        let ok = r.labels.contains(&want);
        if ok == gap {
            wrong.push(format!(
                "line {}: {expect} got {:?}{}: {text}",
                n + 1,
                r.labels,
                if gap {
                    " (a gap no more: drop its `!`)"
                } else {
                    ""
                }
            ));
        }
    }
    assert!(probes > 1000, "only {probes} probes read");
    assert!(
        wrong.is_empty(),
        "{} probe(s):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
