//! Query strings.

use percent_encoding::percent_decode_str;

/// Splits and decodes a raw query string (`+` is a space, as browsers encode it).
pub(crate) fn parse(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The first non-empty value of any of `names`; an empty value counts as missing.
pub(crate) fn param<'a>(query: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    query
        .iter()
        .find(|(name, value)| names.contains(&name.as_str()) && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs() {
        let query = parse("authId=a%2Fb&x=1+2&flag&&empty=");
        assert_eq!(
            query,
            [
                ("authId".into(), "a/b".into()),
                ("x".into(), "1 2".into()),
                ("flag".into(), String::new()),
                ("empty".into(), String::new()),
            ]
        );
        assert_eq!(param(&query, &["auth_id", "authId"]), Some("a/b"));
        assert_eq!(param(&query, &["empty"]), None);
    }
}
