//! Validation of free text typed by people: trimmed, bounded, no control characters. Every
//! constructor of a domain record runs its text through here, so storage never sees junk.

use crate::Error;

/// Longest single-line field (names, addresses, models); long enough for Chinese company names.
pub const LINE_MAX: usize = 200;
/// Longest multi-line field (symptom, notes, resolution summary).
pub const PARAGRAPH_MAX: usize = 4000;

/// A required single line: trimmed, 1..=`max` characters, no control characters.
pub fn line(field: &'static str, value: &str, max: usize) -> Result<String, Error> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    check_len(field, value, max)?;
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "must be a single line without control characters",
        ));
    }
    Ok(value.to_owned())
}

/// A required paragraph: like [`line`] but newlines and tabs are kept.
pub fn paragraph(field: &'static str, value: &str) -> Result<String, Error> {
    text_block(field, value, PARAGRAPH_MAX)
}

/// A required multi-line text of at most `max` characters (a guide's Markdown body).
pub fn text_block(field: &'static str, value: &str, max: usize) -> Result<String, Error> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    check_len(field, value, max)?;
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

/// An optional single line: blank becomes `None`.
pub fn optional_line(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, Error> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => line(field, v, max).map(Some),
    }
}

/// A phone number as people write it in China and abroad: digits with optional `+`, spaces,
/// dashes and parentheses, 3..=20 digits.
pub fn phone(field: &'static str, value: &str) -> Result<String, Error> {
    let value = line(field, value, 32)?;
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')');
    if !value.chars().all(allowed) || !(3..=20).contains(&digits) {
        return Err(Error::invalid(
            field,
            format!("{value:?} is not a phone number"),
        ));
    }
    Ok(value)
}

/// An e-mail address, checked only for shape: delivery is the real test.
pub fn email(field: &'static str, value: &str) -> Result<String, Error> {
    let value = line(field, value, 254)?;
    match value.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !value.contains(' ') =>
        {
            Ok(value)
        }
        _ => Err(Error::invalid(
            field,
            format!("{value:?} is not an e-mail address"),
        )),
    }
}

fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), Error> {
    let len = value.chars().count();
    if len > max {
        return Err(Error::invalid(
            field,
            format!("is {len} characters long; at most {max} allowed"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_trims_and_bounds() {
        assert_eq!(
            line("name", "  杭州西湖冷链有限公司 ", LINE_MAX).as_deref(),
            Ok("杭州西湖冷链有限公司")
        );
        assert!(line("name", "   ", LINE_MAX).is_err());
        assert!(line("name", &"长".repeat(LINE_MAX + 1), LINE_MAX).is_err());
        assert!(line("name", "a\nb", LINE_MAX).is_err());
    }

    #[test]
    fn paragraph_keeps_newlines_but_not_other_controls() {
        assert!(paragraph("symptom", "不制冷\n压缩机异响").is_ok());
        assert!(paragraph("symptom", "bad\u{7}bell").is_err());
    }

    #[test]
    fn phones_and_emails() {
        assert!(phone("phone", "+86 138-0571-2345").is_ok());
        assert!(phone("phone", "0571-88886666").is_ok());
        assert!(phone("phone", "call me").is_err());
        assert!(phone("phone", "12").is_err());
        assert!(email("email", "li.wei@example.cn").is_ok());
        assert!(email("email", "li.wei@example").is_err());
        assert!(email("email", "@example.cn").is_err());
    }
}
