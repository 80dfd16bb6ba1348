//! The Node mirrors: `ClientOptions`, the result interfaces and the error classes of
//! `index.d.ts`, and the error classes of `errors.js`.

use std::fmt::Write as _;

use argos_addon::{BASE_ERROR_CLASS, CLIENT_OPTIONS, ErrorKind, MODELS, OptionType};

use crate::types::{Spelling, Type, camel, one_line, parent_class, wrap};

/// What TypeScript can say more precisely than the Rust type: (model, field, type). Each entry
/// must name a declared field ([`models`] panics otherwise, so a rename cannot drop it silently).
const NARROWER_FIELDS: &[(&str, &str, &str)] = &[
    (
        "FaceAuthResult",
        "auth_status",
        "'approved' | 'rejected' | (string & {})",
    ),
    (
        "FaceAuthRecord",
        "auth_status",
        "'approved' | 'rejected' | (string & {})",
    ),
    ("FaceAuthWebhook", "version", "1 | 2 | 3"),
    ("BudgetStatus", "store", "'redis' | 'local'"),
];

/// Members an error class declares beyond its parent's: (class, members).
const ERROR_MEMBERS: &[(ErrorKind, &[&str])] = &[
    (ErrorKind::Connection, &["cause?: Error;"]),
    // `number` and `string` although the budget's local refusals (codes local_rate_limit,
    // local_quota) have neither: typed code written against the first release keeps compiling.
    (ErrorKind::Status, &["status: number;", "body: string;"]),
];

/// TypeScript's types, as index.d.ts writes them.
const TYPESCRIPT: Spelling = Spelling {
    text: "string",
    bool: "boolean",
    float: "number",
    int: "number",
    time: "Date",
    json: "Record<string, unknown>",
    optional: |t| format!("{t} | null"),
    list: |t| format!("{t}[]"),
};

/// A `/** doc */` comment at `indent`, wrapped to the house's 100 columns.
fn jsdoc(out: &mut String, indent: &str, doc: &str) {
    let lines = wrap(&one_line(doc), 100 - indent.len() - 7);
    match &lines[..] {
        [] => {}
        [line] => writeln!(out, "{indent}/** {line} */").unwrap(),
        lines => {
            writeln!(out, "{indent}/**").unwrap();
            for line in lines {
                writeln!(out, "{indent} * {line}").unwrap();
            }
            writeln!(out, "{indent} */").unwrap();
        }
    }
}

fn option_annotation(ty: OptionType) -> String {
    match ty {
        OptionType::Text(_) => "string".into(),
        OptionType::Duration(_) | OptionType::Count { .. } => "number".into(),
        OptionType::Rate(_) | OptionType::OptionalCount { .. } => "number | null".into(),
        OptionType::Pem(_) => "string | Uint8Array".into(),
        OptionType::Headers(_) => "Record<string, string> | null".into(),
        OptionType::Choice { names, .. } => {
            let quoted: Vec<_> = names.iter().map(|n| format!("\"{n}\"")).collect();
            quoted.join(" | ")
        }
    }
}

/// `interface ClientOptions`.
pub fn client_options() -> String {
    let mut out = String::new();
    jsdoc(
        &mut out,
        "",
        "Options of `new Client()`; each one falls back to its environment variable or default.",
    );
    out.push_str("export interface ClientOptions {\n");
    for o in CLIENT_OPTIONS {
        let unit = match o.ty {
            OptionType::Duration(_) => "In milliseconds. ",
            _ => "",
        };
        jsdoc(&mut out, "  ", &format!("{unit}{}", o.doc));
        writeln!(out, "  {}?: {};", o.js_name, option_annotation(o.ty)).unwrap();
    }
    out.push_str("}\n");
    out
}

/// The result interfaces, plain objects with camelCase keys.
pub fn models() -> String {
    for (model, field, _) in NARROWER_FIELDS {
        let declared = MODELS
            .iter()
            .any(|m| m.name == *model && m.fields.iter().any(|f| f.name == *field));
        assert!(
            declared,
            "NARROWER_FIELDS names {model}.{field}, which is not declared"
        );
    }
    let mut out = String::new();
    for (i, model) in MODELS.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        jsdoc(&mut out, "", model.doc);
        writeln!(out, "export interface {} {{", model.name).unwrap();
        for field in model.fields {
            let narrower = NARROWER_FIELDS
                .iter()
                .find(|(m, f, _)| *m == model.name && *f == field.name);
            let ty = match narrower {
                Some((.., ty)) => (*ty).to_owned(),
                None => Type::parse(field.rust_type).spell(&TYPESCRIPT),
            };
            jsdoc(&mut out, "  ", field.doc);
            writeln!(out, "  {}: {ty};", camel(field.name)).unwrap();
        }
        out.push_str("}\n");
    }
    out
}

/// Each error class below `ArgosError`, declared (d.ts) or defined (errors.js).
fn error_tree(out: &mut String, declare: bool) {
    for (i, &kind) in ErrorKind::ALL.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        jsdoc(out, "", kind.summary());
        let keyword = if declare {
            "export declare class"
        } else {
            "class"
        };
        let head = format!(
            "{keyword} {} extends {}",
            kind.class_name(),
            parent_class(kind)
        );
        let members = ERROR_MEMBERS.iter().find(|(k, _)| *k == kind);
        match members {
            Some((_, members)) if declare => {
                writeln!(out, "{head} {{").unwrap();
                for member in *members {
                    writeln!(out, "  {member}").unwrap();
                }
                out.push_str("}\n");
            }
            _ => writeln!(out, "{head} {{}}").unwrap(),
        }
    }
}

/// The error classes of index.d.ts.
pub fn error_types() -> String {
    let mut out = String::new();
    error_tree(&mut out, true);
    out
}

/// The error classes of errors.js and its exports.
pub fn error_classes() -> String {
    let mut out = String::new();
    error_tree(&mut out, false);
    out.push_str("\nmodule.exports = {\n");
    writeln!(out, "  {BASE_ERROR_CLASS},").unwrap();
    for kind in ErrorKind::ALL {
        writeln!(out, "  {},", kind.class_name()).unwrap();
    }
    out.push_str("};\n");
    out
}
