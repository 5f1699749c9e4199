//! Canonical URLs and the 16-byte keys the crawl state keeps instead of strings.
//!
//! Two links to the same page must dedup: scheme and host are lowercased by the URL parser,
//! the default port is dropped, the fragment goes, query parameters are sorted and common
//! tracking parameters (`utm_*`, `fbclid`, …) removed. Post permalinks keep their fragment,
//! since forums address posts as `thread.html#p123`.

use url::Url;

/// A BLAKE3-derived key of a canonical URL or a post (128 bits: collisions are out of reach
/// for any crawl this process could hold).
pub type Key = [u8; 16];

pub fn key(data: &[u8]) -> Key {
    let h = blake3::hash(data);
    let mut k = [0u8; 16];
    k.copy_from_slice(&h.as_bytes()[..16]);
    k
}

fn is_tracking(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || matches!(
            n.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "msclkid"
                | "yclid"
                | "mc_cid"
                | "mc_eid"
                | "_ga"
                | "spm"
                | "share_token"
                | "igshid"
        )
}

/// The canonical form of `url`; `keep_fragment` for post permalinks.
pub fn canonical(url: &Url, keep_fragment: bool) -> Url {
    let mut u = url.clone();
    if !keep_fragment {
        u.set_fragment(None);
    }
    // The parser already lowercases scheme and host and drops the scheme's default port.
    if let Some(q) = u.query() {
        if q.is_empty() {
            u.set_query(None);
        } else {
            let mut pairs: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| !is_tracking(k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            pairs.sort();
            if pairs.is_empty() {
                u.set_query(None);
            } else {
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
        }
    }
    if u.path().is_empty() {
        u.set_path("/");
    }
    u
}

/// The state key of a page URL.
pub fn url_key(url: &Url) -> Key {
    key(canonical(url, false).as_str().as_bytes())
}

pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// A state key from its 32 hex characters.
pub fn unhex16(s: &str) -> Option<Key> {
    hex::FromHex::from_hex(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        let cases = [
            (
                "HTTP://Forum.Example.ORG:80/a?b=2&a=1#x",
                "http://forum.example.org/a?a=1&b=2",
            ),
            ("https://h.example:443", "https://h.example/"),
            ("https://h.example:8443/p?", "https://h.example:8443/p"),
            (
                "https://h.example/p?utm_source=x&id=3&fbclid=y",
                "https://h.example/p?id=3",
            ),
            ("https://h.example/p?utm_medium=x", "https://h.example/p"),
            (
                "https://h.example/%E5%BC%80?q=%E7%9B%92",
                "https://h.example/%E5%BC%80?q=%E7%9B%92",
            ),
        ];
        for (input, want) in cases {
            let u = Url::parse(input).unwrap();
            assert_eq!(canonical(&u, false).as_str(), want, "{input}");
        }
        let u = Url::parse("https://h.example/t?id=1#p5").unwrap();
        assert_eq!(canonical(&u, true).as_str(), "https://h.example/t?id=1#p5");
        let a = Url::parse("https://h.example/t?b=1&a=2#top").unwrap();
        let b = Url::parse("HTTPS://H.EXAMPLE:443/t?a=2&b=1").unwrap();
        assert_eq!(url_key(&a), url_key(&b));
    }

    #[test]
    fn hex_round_trip() {
        let k = key(b"x");
        assert_eq!(unhex16(&hex(&k)), Some(k));
        assert_eq!(unhex16("zz"), None);
    }
}
