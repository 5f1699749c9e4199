//! Records written as tables: a header row of field labels separated by `|`, then value rows
//! with the same separators (`姓名 | 手机 | QQ` / `张三 | 138… | 12345`). The header gives each
//! value cell its field, which the context-gated detectors (QQ, WeChat, name) need.

use crate::chars::Class;
use crate::lexicon::{Field, Group, Hit};
use crate::text::Text;

/// Field of the table cell each code point belongs to (`None` outside value cells), or nothing
/// at all (an empty `out`) in a post without a `|`: read cells with [`cell`]. Returns whether
/// some cell is a WeChat cell (the WeChat detector reads the cells for those alone).
pub fn cell_fields(t: &Text, hits: &[Hit], out: &mut Vec<Option<Field>>) -> bool {
    out.clear();
    // (The loader's flag: a search of its marks for a `|` in every post was 0.15 M
    // instructions of a 118.3 M pass.)
    if !t.flags.bar {
        return false;
    }
    let mut wechat = false;
    out.resize(t.len(), None);
    let is_label = |g| matches!(g, Group::Label(_));
    let mut labels = crate::lexicon::longest_non_overlapping(hits, is_label);
    // A label never spans a cell border: `邮箱 | 地址` is two labels, not `邮箱地址`.
    let spans_border = |h: &Hit| (h.start..h.end).any(|k| t.fold(k) == '|');
    if labels.iter().any(spans_border) {
        let in_cells: Vec<Hit> = hits.iter().filter(|h| !spans_border(h)).copied().collect();
        labels = crate::lexicon::longest_non_overlapping(&in_cells, is_label);
    }
    let mut header: Option<Vec<Option<Field>>> = None;
    // The lines with a `|`, found from the bars the loader lists among its marks: the lines
    // without one are never read (most lines of a post with a table are prose; finding every
    // line's end was 0.5 M instructions of a 118.4 M pass). Such a line between two rows ends
    // the table, as a row of fewer than two cells does.
    let mut bars = t
        .marks
        .iter()
        .map(|&p| p as usize)
        .filter(|&p| t.fold(p) == '|')
        .peekable();
    let newline = |k: &usize| t.class(*k) == Class::Newline;
    let mut last_end = None;
    while let Some(bar) = bars.next() {
        let line_start = (0..bar).rev().find(newline).map_or(0, |k| k + 1);
        let line_end = (bar..t.len()).find(newline).unwrap_or(t.len());
        while bars.next_if(|&p| p < line_end).is_some() {}
        if last_end.is_some_and(|e| e + 1 < line_start) {
            header = None;
        }
        last_end = Some(line_end);
        let cells = split_cells(t, line_start, line_end);
        if cells.len() >= 2 {
            let fields: Vec<Option<Field>> = cells
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| {
                    // The first header cell may follow a lead-in (`信息如下：姓名 | 手机`).
                    // (The labels come by start and overlap none: those from the cell's
                    // start on, not all of the post's for every cell.)
                    let from = labels.partition_point(|h| h.start < a);
                    labels[from..]
                        .iter()
                        .take_while(|h| h.start < b)
                        .find(|h| h.end == b && (h.start == a || (i == 0 && h.start > a)))
                        .and_then(|h| match h.group {
                            Group::Label(f) => Some(f),
                            _ => None,
                        })
                })
                .collect();
            if fields.iter().all(Option::is_some) {
                header = Some(fields);
            } else if let Some(h) = &header {
                for (i, &(a, b)) in cells.iter().enumerate() {
                    if let Some(f) = h.get(i).copied().flatten() {
                        wechat |= f == Field::Wechat && a < b;
                        for slot in &mut out[a..b] {
                            *slot = Some(f);
                        }
                    }
                }
            }
        } else {
            header = None;
        }
    }
    wechat
}

/// The field of the table cell at code point `k`.
#[inline]
pub fn cell(cells: &[Option<Field>], k: usize) -> Option<Field> {
    cells.get(k).copied().flatten()
}

/// Cells of a line split at `|`, each trimmed of gap characters: (start, end) pairs; none in
/// a line without a `|`.
pub(crate) fn split_cells(t: &Text, a: usize, b: usize) -> Vec<(usize, usize)> {
    // The `|` of the line from the loader's marks, then the line's end: read character by
    // character for a `|`, the lines cost twice as much (split_cells 1.07 -> 0.53 M
    // instructions of a 119.0 M pass).
    let from = t.marks.partition_point(|&p| (p as usize) < a);
    let mut bars = t.marks[from..]
        .iter()
        .map(|&p| p as usize)
        .take_while(|&p| p < b)
        .filter(|&p| t.fold(p) == '|')
        .peekable();
    if bars.peek().is_none() {
        // No `|` in the line: one cell, so none (without allocating for it).
        return Vec::new();
    }
    // Room for a row of a few fields at once (grown from empty, 882 slow-path grows a pass).
    let mut cells = Vec::with_capacity(8);
    let mut s = a;
    for k in bars.chain([b]) {
        let (mut x, mut y) = (s, k);
        while x < y && t.info[x].is_gap() {
            x += 1;
        }
        // The row's last cell ends at sentence punctuation: it may run on into prose
        // (`| ５９５ ５３２ ３５１。他女朋友黄强（182…）`).
        if k == b {
            // (Folded: the full-width `，；！？` read as their ASCII forms.)
            if let Some(p) = (x..y).find(|&p| matches!(t.fold(p), ',' | '。' | ';' | '!' | '?')) {
                y = p;
            }
        }
        while y > x && t.info[y - 1].is_gap() {
            y -= 1;
        }
        cells.push((x, y));
        s = k + 1;
    }
    if cells.len() < 2 {
        cells.clear();
    }
    cells
}
