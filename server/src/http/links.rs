//! Links the server answers with: redirects that carry a message, an e-mail address or
//! the page to go back to in their query.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but unreserved characters and `/` (kept so a path stays readable).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// `s` as one value of a query string.
pub fn query_value(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_paths_readable_and_escapes_the_rest() {
        assert_eq!(
            super::query_value("/history/a-b_c.d~e"),
            "/history/a-b_c.d~e"
        );
        assert_eq!(super::query_value("a b&c=d?é"), "a%20b%26c%3Dd%3F%C3%A9");
    }
}
