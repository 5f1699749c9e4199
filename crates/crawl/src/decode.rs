//! Response bytes → UTF-8 text. Chinese forums still serve GBK/GB18030 and Big5 pages, often
//! with a wrong or missing HTTP charset. Order, as browsers do: byte-order mark, HTTP
//! `Content-Type` charset, `<meta charset>` / `http-equiv` in the first bytes, then detection
//! (chardetng); decoding never fails (malformed bytes become U+FFFD).

use encoding_rs::Encoding;

/// How far into the body `<meta charset>` is looked for (the HTML standard says 1024 bytes;
/// real pages put scripts first, so a little more).
const META_PRESCAN: usize = 4096;

/// The charset parameter of a `Content-Type` value.
pub fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// A charset declared by a `<meta>` tag near the start of the page.
pub fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(META_PRESCAN)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut at = 0;
    while let Some(i) = find(&lower[at..], b"<meta") {
        let start = at + i;
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + 7..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or(rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let label_end = rest
                    .iter()
                    .position(|&b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>'))
                    .unwrap_or(rest.len());
                if let Some(enc) = Encoding::for_label(&rest[..label_end]) {
                    // A page that says UTF-16 in ASCII bytes is not UTF-16 (HTML standard).
                    return Some(
                        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                            encoding_rs::UTF_8
                        } else {
                            enc
                        },
                    );
                }
            }
        }
        at = end.max(start + 1);
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// Decodes a body; returns the text and the encoding used.
pub fn decode(body: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    let enc = Encoding::for_bom(body)
        .map(|(e, _)| e)
        .or_else(|| {
            content_type
                .and_then(charset_param)
                .and_then(|l| Encoding::for_label(l.as_bytes()))
        })
        .or_else(|| meta_charset(body))
        .unwrap_or_else(|| {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(&body[..body.len().min(64 << 10)], body.len() <= 64 << 10);
            det.guess(None, chardetng::Utf8Detection::Allow)
        });
    // GBK pages routinely contain GB18030-only characters; the GBK decoder is GB18030's.
    let (text, used, _malformed) = enc.decode(body);
    (text.into_owned(), used)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "开盒：户籍信息查档，联系飞机";

    #[test]
    fn header_meta_and_detection() {
        let (gbk, _, _) = encoding_rs::GBK.encode(TEXT);
        let (big5, _, _) = encoding_rs::BIG5.encode("開盒：戶籍資料查詢，聯繫飛機");
        // Header charset.
        let (t, e) = decode(&gbk, Some("text/html; charset=GBK"));
        assert_eq!((t.as_str(), e), (TEXT, encoding_rs::GBK));
        // Meta charset, no header charset.
        let mut page = b"<html><head><META http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body>".to_vec();
        page.extend_from_slice(&gbk);
        let (t, e) = decode(&page, Some("text/html"));
        assert!(t.contains(TEXT));
        assert_eq!(e, encoding_rs::GBK);
        let mut page = b"<meta charset='big5'><p>".to_vec();
        page.extend_from_slice(&big5);
        let (t, e) = decode(&page, None);
        assert!(t.contains("開盒：戶籍資料查詢"));
        assert_eq!(e, encoding_rs::BIG5);
        // Neither: detection.
        let long = TEXT.repeat(20);
        let (gbk_long, _, _) = encoding_rs::GB18030.encode(&long);
        let (t, _) = decode(&gbk_long, None);
        assert_eq!(t, long);
        // UTF-8 with a BOM wins over a wrong header.
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(TEXT.as_bytes());
        let (t, e) = decode(&bom, Some("text/html; charset=big5"));
        assert_eq!((t.as_str(), e), (TEXT, encoding_rs::UTF_8));
    }

    #[test]
    fn charset_params() {
        assert_eq!(
            charset_param("text/html; charset=\"gb2312\""),
            Some("gb2312")
        );
        assert_eq!(charset_param("text/html;CHARSET=big5"), Some("big5"));
        assert_eq!(charset_param("text/html"), None);
    }
}
