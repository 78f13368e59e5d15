//! An article's Markdown body: to HTML for reading (the desk's preview, the device, `/help`),
//! to plain text for the index. Raw HTML in the body is shown as text, never run, and links
//! may only be web or mail links, so an article cannot carry a script to its readers.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// How an image named in the body is written: `image:<sha256>`.
pub const IMAGE_SCHEME: &str = "image:";

fn parser(body: &str) -> Parser<'_> {
    Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
}

fn safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
        || lower.starts_with('#')
        || lower.starts_with('/')
}

/// The HTML of a body; `image_src` turns an image's SHA-256 into the address the reader loads
/// it from (a blob URL at the server, a `data:` URL on the device).
pub fn to_html(body: &str, image_src: &dyn Fn(&str) -> String) -> String {
    let events = parser(body).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest = match dest_url.strip_prefix(IMAGE_SCHEME) {
                Some(sha) => CowStr::from(image_src(sha)),
                None if safe_link(&dest_url) => dest_url,
                None => CowStr::from(""),
            };
            Event::Start(Tag::Image {
                link_type,
                dest_url: dest,
                title,
                id,
            })
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: if safe_link(&dest_url) {
                dest_url
            } else {
                CowStr::from("")
            },
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The words of a body without its markup, for the search index.
pub fn plain_text(body: &str) -> String {
    let mut text = String::with_capacity(body.len());
    for event in parser(body) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                text.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph | TagEnd::Item) => {
                text.push('\n');
            }
            _ => {}
        }
    }
    text
}

/// The SHA-256 of every image the body shows.
pub fn image_refs(body: &str) -> Vec<String> {
    let mut refs = Vec::new();
    for event in parser(body) {
        if let Event::Start(Tag::Image { dest_url, .. }) = event
            && let Some(sha) = dest_url.strip_prefix(IMAGE_SCHEME)
            && !refs.iter().any(|r| r == sha)
        {
            refs.push(sha.to_owned());
        }
    }
    refs
}
