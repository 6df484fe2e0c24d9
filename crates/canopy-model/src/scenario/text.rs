//! Text as messages show it and scenario files write it: the check of a
//! name, the escaping of characters that are not seen as themselves (one
//! place for every message and log line), a long string shortened, a float
//! and a string as TOML.

/// Whether a name is acceptable: not blank, and free of control characters
/// and bidirectional overrides, which would forge lines in logs and CSV
/// files or reorder what a reader sees.
pub fn text_ok(s: &str) -> bool {
    s.chars().any(|c| !c.is_whitespace()) && !s.chars().any(hidden)
}

/// Characters that are not seen as themselves: controls, and the format
/// characters that steer or hide text (bidirectional marks and overrides,
/// zero-width characters, the byte-order mark, tags).
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}')
}

/// `s` with its [`hidden`] characters written as escapes (`\n`, `\u{202e}`),
/// for messages on a terminal.
pub fn escaped(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(hidden) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            // `\n`, `\t` where Rust has a short form, else `\u{202e}`.
            let e: String = c.escape_debug().collect();
            if e.chars().count() > 1 {
                out.push_str(&e);
            } else {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A float as TOML reads it back exactly: shortest round-trip digits, with an
/// exponent for large and tiny magnitudes (`1e308`, `1.5e-7`).
pub fn float_text(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        // Rust's `{:?}` switches to an exponent from 1e16 up and below 1e-4;
        // TOML needs a digit after a decimal point, which `{:?}` always has.
        format!("{x:?}")
    }
}

/// How many characters of a long string messages echo.
const ECHO_CHARS: usize = 60;

/// `s`, or its start and its length when it is too long to echo whole.
pub fn short(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(ECHO_CHARS) {
        None => s.into(),
        Some((cut, _)) => format!("{}… ({} characters)", &s[..cut], s.chars().count()).into(),
    }
}

/// A string as a TOML basic string, escaped.
pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
