//! The Python mirrors: the result classes of `_native.pyi`, the options of `Client()` in
//! `_client.py`, and the error classes of `errors.py`.

use std::fmt::Write as _;

use argos_addon::{CLIENT_OPTIONS, ErrorKind, MODELS, OptionType};

use crate::types::{Spelling, Type, one_line, parent_class, wrap};

/// Classes whose body is written by hand in errors.py (they carry fields and an `__init__`).
const HAND_WRITTEN_ERRORS: &[ErrorKind] = &[ErrorKind::Status];

/// Python's annotations, as the stubs write them.
const PYTHON: Spelling = Spelling {
    text: "str",
    bool: "bool",
    float: "float",
    int: "int",
    time: "datetime.datetime",
    json: "Dict[str, Any]",
    optional: |t| format!("Optional[{t}]"),
    list: |t| format!("List[{t}]"),
};

/// `"""doc"""` lines at `indent`, wrapped to the house's 100 columns.
fn docstring(out: &mut String, indent: &str, doc: &str) {
    let lines = wrap(&one_line(doc), 100 - indent.len() - 6);
    match &lines[..] {
        [] => {}
        [line] => writeln!(out, "{indent}\"\"\"{line}\"\"\"").unwrap(),
        [first, rest @ ..] => {
            writeln!(out, "{indent}\"\"\"{first}").unwrap();
            for line in rest {
                writeln!(out, "{indent}{line}").unwrap();
            }
            writeln!(out, "{indent}\"\"\"").unwrap();
        }
    }
}

/// The result classes, read-only properties over the core's models.
pub fn models() -> String {
    let mut out = String::new();
    for model in MODELS {
        writeln!(out, "class {}:", model.name).unwrap();
        docstring(&mut out, "    ", model.doc);
        for field in model.fields {
            let ty = Type::parse(field.rust_type).spell(&PYTHON);
            writeln!(out, "    @property").unwrap();
            if field.doc.is_empty() {
                writeln!(out, "    def {}(self) -> {ty}: ...", field.name).unwrap();
            } else {
                writeln!(out, "    def {}(self) -> {ty}:", field.name).unwrap();
                docstring(&mut out, "        ", field.doc);
            }
        }
        writeln!(out, "    def to_dict(self) -> Dict[str, Any]: ...").unwrap();
        writeln!(out).unwrap();
    }
    out
}

fn option_annotation(ty: OptionType) -> String {
    match ty {
        OptionType::Text(_) => "Optional[str]".into(),
        OptionType::Duration(_) => "float".into(),
        OptionType::Count { .. } => "int".into(),
        OptionType::OptionalCount { .. } => "Optional[int]".into(),
        OptionType::Rate(_) => "Optional[float]".into(),
        OptionType::Pem(_) => "Union[str, bytes, \"os.PathLike[str]\", None]".into(),
        OptionType::Headers(_) => "Optional[Mapping[str, str]]".into(),
        OptionType::Choice { names, .. } => {
            let quoted: Vec<_> = names.iter().map(|n| format!("\"{n}\"")).collect();
            format!("Optional[Literal[{}]]", quoted.join(", "))
        }
    }
}

/// `_BaseClient.__init__`: every option as a keyword, handed to `_open` as one dict.
pub fn client_options() -> String {
    let mut out = String::from("def __init__(\n    self,\n    *,\n");
    for o in CLIENT_OPTIONS {
        let ty = option_annotation(o.ty);
        writeln!(out, "    {}: {ty} = {},", o.name, o.python_default).unwrap();
    }
    out.push_str(") -> None:\n");
    out.push_str(
        "    \"\"\"The client options (README, \"Options and environment\"). A bad value raises\n    :class:`~argos_addon.ConfigurationError` here, before any I/O (a wrong type, ``TypeError``).\n\n",
    );
    for o in CLIENT_OPTIONS {
        let unit = match o.ty {
            OptionType::Duration(_) => " (seconds)",
            _ => "",
        };
        let text = format!("``{}``{unit}: {}", o.name, one_line(o.doc));
        let mut lines = wrap(&text, 90).into_iter();
        if let Some(first) = lines.next() {
            writeln!(out, "    - {first}").unwrap();
        }
        for line in lines {
            writeln!(out, "      {line}").unwrap();
        }
    }
    out.push_str("    \"\"\"\n    self._open(\n        {\n");
    for o in CLIENT_OPTIONS {
        writeln!(out, "            \"{0}\": {0},", o.name).unwrap();
    }
    out.push_str("        }\n    )\n");
    out
}

/// The error classes below `ArgosError` (but those written by hand), and `__all__`.
pub fn errors() -> String {
    let mut out = String::new();
    for &kind in ErrorKind::ALL.iter() {
        if HAND_WRITTEN_ERRORS.contains(&kind) {
            continue;
        }
        let bases = match kind.python_builtin() {
            Some(builtin) => format!("{}, {builtin}", parent_class(kind)),
            None => parent_class(kind).to_owned(),
        };
        writeln!(out, "\n\nclass {}({bases}):", kind.class_name()).unwrap();
        docstring(&mut out, "    ", kind.summary());
    }
    out.push_str("\n\n__all__ = [\n");
    writeln!(out, "    \"{}\",", argos_addon::BASE_ERROR_CLASS).unwrap();
    for kind in ErrorKind::ALL {
        writeln!(out, "    \"{}\",", kind.class_name()).unwrap();
    }
    out.push_str("]\n");
    out
}
