//! `multipart/form-data` (RFC 7578) over a body already in memory (the API reads every body
//! whole, within its limit): each part is a slice of the body, nothing is copied. Bounded: at
//! most `max_parts` parts, a part's headers at most [`MAX_HEADER_BYTES`].

use memchr::memmem;

/// Largest header block of one part.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The form field's `name`.
    pub name: String,
    /// The file's name, for a file part.
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub body: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    #[error("the content-type multipart/form-data needs a boundary parameter of 1 to 70 characters")]
    NoBoundary,
    #[error("the form is not valid multipart/form-data: {0}")]
    Malformed(&'static str),
    #[error("the form has more than {0} parts")]
    TooManyParts(usize),
}

/// The boundary of a `multipart/form-data` content type; `None` for another type.
pub fn form_boundary(content_type: &str) -> Option<Result<String, MultipartError>> {
    let mut params = content_type.split(';');
    let kind = params.next()?.trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    });
    Some(match boundary {
        Some(b) if (1..=70).contains(&b.len()) => Ok(b),
        _ => Err(MultipartError::NoBoundary),
    })
}

/// The parts of `body`, in order.
pub fn parse<'a>(body: &'a [u8], boundary: &str, max_parts: usize) -> Result<Vec<Part<'a>>, MultipartError> {
    use MultipartError::Malformed;
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // the first delimiter starts the body or a line (a preamble before it is ignored)
    let mut pos = if body.starts_with(delimiter) {
        delimiter.len()
    } else {
        let close = [b"\r\n".as_slice(), delimiter].concat();
        memmem::find(body, &close).ok_or(Malformed("the boundary does not occur in the body"))? + close.len()
    };
    let close = [b"\r\n".as_slice(), delimiter].concat();
    let close_finder = memmem::Finder::new(&close);
    let mut parts = Vec::new();
    loop {
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        // transport padding after a delimiter, then the line's end
        let pad = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        if !rest[pad..].starts_with(b"\r\n") {
            return Err(Malformed("a boundary line does not end with CRLF"));
        }
        pos += pad + 2;
        if parts.len() == max_parts {
            return Err(MultipartError::TooManyParts(max_parts));
        }
        let window = &body[pos..body.len().min(pos + MAX_HEADER_BYTES + 4)];
        let head_len =
            memmem::find(window, b"\r\n\r\n").ok_or(Malformed("a part's headers do not end (or are over 8 KiB)"))?;
        let headers = &body[pos..pos + head_len];
        pos += head_len + 4;
        let end = close_finder.find(&body[pos..]).ok_or(Malformed("a part does not end with the boundary"))?;
        let content = &body[pos..pos + end];
        pos += end + close.len();
        parts.push(part(headers, content)?);
    }
}

fn part<'a>(headers: &[u8], body: &'a [u8]) -> Result<Part<'a>, MultipartError> {
    use MultipartError::Malformed;
    let headers = std::str::from_utf8(headers).map_err(|_| Malformed("a part's headers are not UTF-8"))?;
    let mut out = Part { name: String::new(), filename: None, content_type: None, body };
    let mut disposition = false;
    for line in headers.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Malformed("a part's header line has no colon"));
        };
        let value = value.trim();
        if name.trim().eq_ignore_ascii_case("content-disposition") {
            let (kind, params) = value.split_once(';').unwrap_or((value, ""));
            if !kind.trim().eq_ignore_ascii_case("form-data") {
                return Err(Malformed("a part's content-disposition is not form-data"));
            }
            for (k, v) in params_of(params) {
                match k.to_ascii_lowercase().as_str() {
                    "name" => out.name = v,
                    "filename" => out.filename = Some(v),
                    _ => {}
                }
            }
            disposition = true;
        } else if name.trim().eq_ignore_ascii_case("content-type") {
            out.content_type = Some(value.to_string());
        }
    }
    if !disposition || out.name.is_empty() {
        return Err(Malformed("a part has no content-disposition with a name"));
    }
    Ok(out)
}

/// `; name="a;b"; filename=x` → (name, a;b), (filename, x): values quoted or not, `\"` inside.
fn params_of(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ';' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect::<String>().trim().to_string();
        if key.is_empty() {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = chars.by_ref().take_while(|c| *c != ';').collect::<String>().trim().to_string();
        }
        out.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut b = b"preamble\r\n".to_vec();
        for (name, file, body) in parts {
            b.extend_from_slice(b"--XyZ\r\n");
            match file {
                Some(f) => b.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: audio/mpeg\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => b.extend_from_slice(format!("content-disposition: form-data; name={name}\r\n\r\n").as_bytes()),
            }
            b.extend_from_slice(body);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"--XyZ--\r\n");
        b
    }

    #[test]
    fn parts_are_slices_of_the_body() {
        let body = form(&[("audio", Some("a \\\"b\\\"; c.mp3"), b"\r\n--Xy binary\r\n\0"), ("track", None, b"{}")]);
        let parts = parse(&body, "XyZ", 10).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "audio");
        assert_eq!(parts[0].filename.as_deref(), Some("a \"b\"; c.mp3"));
        assert_eq!(parts[0].content_type.as_deref(), Some("audio/mpeg"));
        assert_eq!(parts[0].body, b"\r\n--Xy binary\r\n\0");
        assert_eq!((parts[1].name.as_str(), parts[1].body), ("track", b"{}".as_slice()));
    }

    #[test]
    fn boundaries_from_content_types() {
        assert_eq!(form_boundary("multipart/form-data; boundary=\"a b\""), Some(Ok("a b".into())));
        assert_eq!(form_boundary("Multipart/Form-Data;charset=x; Boundary=q"), Some(Ok("q".into())));
        assert_eq!(form_boundary("multipart/form-data"), Some(Err(MultipartError::NoBoundary)));
        assert_eq!(form_boundary("application/json"), None);
    }

    #[test]
    fn broken_forms_are_errors_not_panics() {
        let good = form(&[("audio", Some("x.mp3"), b"abc")]);
        for cut in 0..good.len() {
            let _ = parse(&good[..cut], "XyZ", 10);
        }
        assert!(matches!(
            parse(b"--XyZ\r\nno colon\r\n\r\nx\r\n--XyZ--", "XyZ", 10),
            Err(MultipartError::Malformed(_))
        ));
        assert!(matches!(parse(b"nothing here", "XyZ", 10), Err(MultipartError::Malformed(_))));
        let many = form(&[("a", None, b"1"), ("b", None, b"2"), ("c", None, b"3")]);
        assert_eq!(parse(&many, "XyZ", 2), Err(MultipartError::TooManyParts(2)));
        let huge_head = [b"--XyZ\r\nX: ".as_slice(), &vec![b'a'; 20_000], b"\r\n\r\nx\r\n--XyZ--"].concat();
        assert!(matches!(parse(&huge_head, "XyZ", 10), Err(MultipartError::Malformed(_))));
    }
}
