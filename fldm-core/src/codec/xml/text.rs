//! The text rules of XML as this crate writes and reads it: escaping,
//! white space, the characters XML 1.0 allows, and the case of element
//! names (lowerCamelCase in documents, snake_case in JSON and field paths).

/// Append `s` to `out`, escaped for XML: `&`, `<` and `>` always, `"` only
/// in an attribute value (`attribute`). Every XML writer of the SDK (record
/// documents and the hub's envelopes) escapes with this one rule.
pub fn escape_into(out: &mut String, s: &str, attribute: bool) {
    let special = |b: u8| b == b'&' || b == b'<' || b == b'>' || (attribute && b == b'"');
    if !s.bytes().any(special) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The snake_case form of a lowerCamelCase element name (JSON field name):
/// `familiennameNachDeutschemRecht` gives `familienname_nach_deutschem_recht`.
pub fn snake_case(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 4);
    push_snake_case(name, &mut s);
    s
}

/// Append the snake_case form of `name` to `out` (see [`snake_case`]).
pub(super) fn push_snake_case(s: &str, out: &mut String) {
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
}

/// The lowerCamelCase element name of a snake_case JSON field name, the
/// inverse of [`snake_case`]: `staat_direkte_einreise` gives
/// `staatDirekteEinreise`.
pub fn camel_case(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            s.push(c.to_ascii_uppercase());
            up = false;
        } else {
            s.push(c);
        }
    }
    s
}

pub(super) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

pub(super) fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

pub(super) fn xml_trim(s: &str) -> &str {
    s.trim_matches(is_xml_space)
}

/// Whether `c` is a character XML 1.0 allows in a document.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Characters XML 1.0 does not allow, in literal character data: C0
/// controls other than tab, newline and carriage return, U+FFFE, U+FFFF.
pub(super) fn check_chars(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let bad = b.iter().enumerate().any(|(i, &x)| {
        (x < 0x20 && !matches!(x, b'\t' | b'\n' | b'\r'))
            || (x == 0xEF
                && b.get(i + 1) == Some(&0xBF)
                && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
    });
    if bad {
        let c = s.chars().find(|c| !is_xml_char(*c)).unwrap_or('\0');
        return Some(format!(
            "character U+{:04X}, which XML 1.0 does not allow",
            c as u32
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_paths() {
        assert_eq!(
            snake_case("familiennameNachDeutschemRecht"),
            "familienname_nach_deutschem_recht"
        );
        assert_eq!(
            camel_case("familienname_nach_deutschem_recht"),
            "familiennameNachDeutschemRecht"
        );
        for name in ["staatDirekteEinreise", "fldmId", "ort", "gueltigBis"] {
            assert_eq!(camel_case(&snake_case(name)), name);
        }
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        escape_into(&mut s, "a<b>&\"c\"", false);
        assert_eq!(s, "a&lt;b&gt;&amp;\"c\"");
        s.clear();
        escape_into(&mut s, "a<b>&\"c\"", true);
        assert_eq!(s, "a&lt;b&gt;&amp;&quot;c&quot;");
    }
}
