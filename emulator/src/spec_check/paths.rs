//! Matches a request path to the specs' path templates, segment by segment.

/// The rest of `path` after the base `base` (which must end at a segment boundary); a `*`
/// segment of the base matches any one non-empty segment (AI Agents' project name).
pub(super) fn strip_base<'p>(path: &'p str, base: &str) -> Option<&'p str> {
    let mut rest = path;
    for segment in base.split('/').skip(1) {
        let after = rest.strip_prefix('/')?;
        let end = after.find('/').unwrap_or(after.len());
        let (head, tail) = after.split_at(end);
        if head.is_empty() || (segment != "*" && head != segment) {
            return None;
        }
        rest = tail;
    }
    rest.starts_with('/').then_some(rest)
}

/// Matches `path` to `template` segment by segment; the score is the number of literal segments.
pub(super) fn match_template(template: &str, path: &str) -> Option<(usize, Vec<(String, String)>)> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut score = 0;
    let mut params = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        let decoded = percent_encoding::percent_decode_str(ps)
            .decode_utf8()
            .ok()?;
        match ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                if decoded.is_empty() {
                    return None;
                }
                params.push((name.to_owned(), decoded.into_owned()));
            }
            None => {
                if decoded != *ts {
                    return None;
                }
                score += 1;
            }
        }
    }
    Some((score, params))
}
