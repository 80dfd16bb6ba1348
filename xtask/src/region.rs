//! A generated region of a hand-written file: the lines between a `<surface:NAME>` marker line and
//! its `</surface:NAME>` line belong to the generator; everything else to people.

pub struct Region {
    pub path: &'static str,
    pub name: &'static str,
    /// The region's lines, unindented; each is indented like the opening marker.
    body: String,
}

impl Region {
    pub fn new(path: &'static str, name: &'static str, body: String) -> Self {
        Region { path, name, body }
    }

    /// `text` with this region's lines replaced by the rendered ones.
    pub fn render_into(&self, text: &str) -> Result<String, String> {
        let open = format!("<surface:{}>", self.name);
        let close = format!("</surface:{}>", self.name);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let find =
            |marker: &str, from: usize| (from..lines.len()).find(|&i| lines[i].contains(marker));
        let missing = |marker: &str| format!("{}: no line holds {marker}", self.path);
        let start = find(&open, 0).ok_or_else(|| missing(&open))?;
        let end = find(&close, start + 1).ok_or_else(|| missing(&close))?;
        let indent: String = lines[start]
            .chars()
            .take_while(|c| c.is_whitespace())
            .collect();
        let mut out: String = lines[..=start].concat();
        for line in self.body.lines() {
            if !line.is_empty() {
                out.push_str(&indent);
                out.push_str(line);
            }
            out.push('\n');
        }
        out.push_str(&lines[end..].concat());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Region;

    #[test]
    fn replaces_only_the_region_and_indents_it() {
        let text = "a\n    # <surface:x> generated\n    old\n    # </surface:x>\nb\n";
        let region = Region::new("f.py", "x", "new\n\nmore\n".into());
        assert_eq!(
            region.render_into(text).unwrap(),
            "a\n    # <surface:x> generated\n    new\n\n    more\n    # </surface:x>\nb\n"
        );
    }

    #[test]
    fn a_missing_marker_is_an_error_naming_the_file() {
        let err = Region::new("f.py", "x", String::new())
            .render_into("a\n")
            .unwrap_err();
        assert!(err.contains("f.py") && err.contains("<surface:x>"), "{err}");
    }
}
