//! [`Html`]: text that may go into the page as it is. It is built only from
//! escaped text ([`Html::text`]), from markup written in the source
//! ([`Html::raw`] takes a `&'static str`), from numbers, or by the
//! `html!` macro (crate-internal), which fills a literal template with `Html` values; so a
//! scenario name, a deal id or a message cannot reach the page unescaped by
//! mistake: a `String` is simply not accepted.

use std::fmt;

/// A piece of the page, safe to write as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Nothing.
    pub fn new() -> Html {
        Html(String::new())
    }

    /// `text` escaped for HTML text and attributes: `&`, `<`, `>`, `"` and
    /// `'`, and control characters (not allowed in XML) replaced.
    pub fn text(text: &str) -> Html {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
                c => out.push(c),
            }
        }
        Html(out)
    }

    /// Markup written in the source, trusted as it is.
    pub fn raw(markup: &'static str) -> Html {
        Html(markup.to_string())
    }

    /// A template filled by `html!`; the macro is the only caller, and
    /// it accepts only `Html` values and numbers as arguments.
    pub(crate) fn filled(markup: String) -> Html {
        Html(markup)
    }

    /// An SVG document drawn by [`crate::charts`]: plotters escapes the
    /// text it draws, and the rest is its own markup.
    pub(crate) fn chart_svg(svg: &str) -> Html {
        Html(svg.to_string())
    }

    /// Appends `more`.
    pub fn push(&mut self, more: impl Into<Html>) {
        self.0.push_str(&more.into().0);
    }

    /// Appends markup written in the source.
    pub fn push_raw(&mut self, markup: &'static str) {
        self.0.push_str(markup);
    }

    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The markup, as a string to write out.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&Html> for Html {
    fn from(h: &Html) -> Html {
        h.clone()
    }
}

/// Numbers never need escaping.
macro_rules! from_number {
    ($($t:ty),*) => {
        $(impl From<$t> for Html {
            fn from(n: $t) -> Html {
                Html(n.to_string())
            }
        })*
    };
}

from_number!(u8, u16, u32, u64, usize, i32, i64, f64);

impl FromIterator<Html> for Html {
    fn from_iter<I: IntoIterator<Item = Html>>(iter: I) -> Html {
        let mut out = Html::new();
        for h in iter {
            out.push(h);
        }
        out
    }
}

/// `html!("<b>{}</b>", x)`: the literal template filled with `x`, which must
/// be an [`Html`] (or `&Html`) or a number; a `&str` or `String` does not
/// compile: pass it through [`Html::text`]. Only positional `{}` holes: a
/// named `{name}` would capture a variable unchecked.
macro_rules! html {
    ($template:literal $(, $arg:expr)* $(,)?) => {
        $crate::report::markup::Html::filled(format!(
            $template $(, $crate::report::markup::Html::from($arg))*
        ))
    };
}

pub(crate) use html;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            Html::text("<b>\"A&B's\"</b>\u{7}").as_str(),
            "&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;\u{FFFD}"
        );
    }

    #[test]
    fn templates_take_html_and_numbers() {
        let name = Html::text("<script>");
        let h = html!("<p>{} in month {}</p>", &name, 7u32);
        assert_eq!(h.as_str(), "<p>&lt;script&gt; in month 7</p>");
        let joined: Html = [Html::raw("<i>"), Html::text("&"), Html::raw("</i>")]
            .into_iter()
            .collect();
        assert_eq!(joined.to_string(), "<i>&amp;</i>");
    }
}
