//! A decoded HTML page → the posts and the links the profile's selectors find.
//!
//! Pure and synchronous (scraper's DOM is not `Send`): the crawler calls it between awaits and
//! gets owned values back.

use crate::profile::Profile;
use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

/// Posts longer than this are cut (at a character boundary): the pipeline's default record
/// limit is 1 MiB and a longer "post" is a page-layout accident, not a post.
pub const MAX_POST_BYTES: usize = 512 << 10;

/// One post as found on the page, before ids and dedup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPost {
    pub text: String,
    pub author: Option<String>,
    pub time: Option<String>,
    /// Absolute; keeps its fragment.
    pub permalink: Option<Url>,
}

#[derive(Debug, Default)]
pub struct Extracted {
    pub posts: Vec<FoundPost>,
    /// Absolute http(s) links from the follow selectors, not yet filtered by host.
    pub links: Vec<Url>,
    /// The "next page" links (same depth as this page).
    pub next: Vec<Url>,
}

/// Extracts posts and links from `html` served at `page_url`.
pub fn extract(profile: &Profile, page_url: &Url, html: &str) -> Extracted {
    let doc = Html::parse_document(html);
    // <base href> changes how relative links resolve.
    let base = Selector::parse("base[href]")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.join(h).ok())
        .unwrap_or_else(|| page_url.clone());
    let resolve = |el: ElementRef| -> Option<Url> {
        let href = el.value().attr("href")?.trim();
        if href.is_empty() || href.starts_with("javascript:") || href.starts_with("mailto:") {
            return None;
        }
        base.join(href)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
    };
    let mut out = Extracted::default();
    let sel = &profile.posts;
    for post in doc.select(&sel.post) {
        let text_el = match &sel.text {
            Some(s) => post.select(s).next(),
            None => Some(post),
        };
        let Some(text_el) = text_el else { continue };
        let text = clip(block_text(text_el), MAX_POST_BYTES);
        if text.is_empty() {
            continue;
        }
        let field = |s: &Option<Selector>| s.as_ref().and_then(|s| post.select(s).next());
        let author = field(&sel.author)
            .map(|e| inline_text(e))
            .filter(|s| !s.is_empty());
        let time = field(&sel.time)
            .and_then(|e| {
                e.value()
                    .attr("datetime")
                    .or_else(|| e.value().attr("title"))
                    .map(|s| s.trim().to_string())
                    .or_else(|| Some(inline_text(e)))
            })
            .filter(|s| !s.is_empty());
        let permalink = field(&sel.permalink).and_then(resolve);
        out.posts.push(FoundPost {
            text,
            author,
            time,
            permalink,
        });
    }
    for s in &profile.follow {
        out.links.extend(doc.select(s).filter_map(resolve));
    }
    if let Some(s) = &profile.next_page {
        out.next.extend(doc.select(s).filter_map(resolve));
    }
    out
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "li"
            | "ul"
            | "ol"
            | "tr"
            | "table"
            | "pre"
            | "blockquote"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "dd"
            | "dt"
            | "hr"
    )
}

/// The text of an element with line breaks where blocks and `<br>` break it; script and style
/// are skipped, blank lines dropped and runs of spaces folded.
pub fn block_text(el: ElementRef) -> String {
    enum Step<'a> {
        Visit(NodeRef<'a, Node>),
        Break,
    }
    let mut raw = String::new();
    let mut stack = vec![Step::Visit(*el)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Break => raw.push('\n'),
            Step::Visit(node) => match node.value() {
                Node::Text(t) => raw.push_str(t),
                Node::Element(e) => {
                    let name = e.name();
                    if matches!(name, "script" | "style" | "noscript" | "template") {
                        continue;
                    }
                    let block = is_block(name);
                    if block {
                        raw.push('\n');
                        stack.push(Step::Break);
                    }
                    let children: Vec<_> = node.children().collect();
                    stack.extend(children.into_iter().rev().map(Step::Visit));
                }
                _ => {}
            },
        }
    }
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        let folded = fold_spaces(line);
        if !folded.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&folded);
        }
    }
    out
}

/// The text of an element on one line.
pub fn inline_text(el: ElementRef) -> String {
    fold_spaces(&el.text().collect::<String>())
}

fn fold_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clip(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::RawProfile;
    use std::path::Path;

    fn profile() -> Profile {
        let text = r#"
version = 1
name = "t"
platform = "t"
start_urls = ["http://f.example/"]
allowed_hosts = ["f.example"]
[links]
follow = ["a.thread"]
next_page = "a.next"
[posts]
selector = "div.post"
text = ".body"
author = ".author"
time = "time"
permalink = "a.perma"
"#;
        let p = Path::new("t.toml");
        RawProfile::parse(p, text).unwrap().validate(p).unwrap()
    }

    #[test]
    fn posts_fields_and_links() {
        let html = r#"<html><head><base href="/forum/"><style>.x{}</style></head><body>
<div class="post"><span class="author"> 路人 甲 </span><time datetime="2024-05-01T08:00:00+08:00">昨天</time>
<div class="body">第一行<br>第二行 <b>加粗</b><script>var x = 1;</script><p>  第三行  </p></div>
<a class="perma" href="t/1.html#p1">#1</a></div>
<div class="post"><span class="time">x</span><div class="body">  </div></div>
<div class="post"><div class="body">无作者</div></div>
<a class="thread" href="t/2.html">t2</a><a class="thread" href="javascript:void(0)">x</a>
<a class="thread" href="mailto:a@b.example">m</a><a class="next" href="?page=2">next</a>
</body></html>"#;
        let url = Url::parse("http://f.example/index.html").unwrap();
        let ex = extract(&profile(), &url, html);
        assert_eq!(ex.posts.len(), 2, "the empty post is dropped");
        let p = &ex.posts[0];
        assert_eq!(p.text, "第一行\n第二行 加粗\n第三行");
        assert_eq!(p.author.as_deref(), Some("路人 甲"));
        assert_eq!(p.time.as_deref(), Some("2024-05-01T08:00:00+08:00"));
        assert_eq!(
            p.permalink.as_ref().map(Url::as_str),
            Some("http://f.example/forum/t/1.html#p1")
        );
        assert_eq!(ex.posts[1].author, None);
        assert_eq!(ex.posts[1].permalink, None);
        let links: Vec<&str> = ex.links.iter().map(Url::as_str).collect();
        assert_eq!(links, ["http://f.example/forum/t/2.html"]);
        assert_eq!(ex.next[0].as_str(), "http://f.example/forum/?page=2");
    }

    #[test]
    fn clip_keeps_char_boundaries() {
        assert_eq!(clip("开盒开盒".into(), 4), "开");
        assert_eq!(clip("abc".into(), 10), "abc");
    }
}
