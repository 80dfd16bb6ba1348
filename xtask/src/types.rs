//! The declared surface read as the mirrors need it: a field's Rust type as a tree, names in each
//! host's case, and the whole surface as JSON for the suites' introspection tests.

use argos_addon::{BASE_ERROR_CLASS, CLIENT_OPTIONS, ErrorKind, MODELS};
use serde_json::{Value, json};

/// A model field's type, from the Rust type the declaration names.
pub enum Type {
    Text,
    Bool,
    Float,
    Int,
    Time,
    Json,
    /// The opaque `next_key` token.
    Token,
    /// The HTTP answer's `ResponseInfo`, a class each mirror writes by hand.
    Response,
    Model(&'static str),
    Optional(Box<Type>),
    List(Box<Type>),
}

impl Type {
    /// Reads `rust_type` as `stringify!` writes it (`Option < DateTime < Utc > >`).
    pub fn parse(rust_type: &str) -> Type {
        Type::parse_squeezed(&rust_type.split_whitespace().collect::<String>())
    }

    fn parse_squeezed(rust_type: &str) -> Type {
        let inner = |prefix: &str| {
            rust_type
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix('>'))
        };
        if let Some(t) = inner("Option<") {
            return Type::Optional(Box::new(Type::parse_squeezed(t)));
        }
        if let Some(t) = inner("Vec<") {
            return Type::List(Box::new(Type::parse_squeezed(t)));
        }
        match rust_type {
            "String" => Type::Text,
            "bool" => Type::Bool,
            "f64" | "f32" => Type::Float,
            "u8" | "u16" | "u32" | "u64" | "i64" => Type::Int,
            "DateTime<Utc>" => Type::Time,
            "Value" => Type::Json,
            "NextKey" => Type::Token,
            "Response" => Type::Response,
            other => match MODELS.iter().find(|m| m.name == other) {
                Some(model) => Type::Model(model.name),
                None => {
                    panic!("the surface declares a field of type {other}, which no mirror knows")
                }
            },
        }
    }
}

/// How a host language writes each [`Type`].
pub struct Spelling {
    pub text: &'static str,
    pub bool: &'static str,
    pub float: &'static str,
    pub int: &'static str,
    pub time: &'static str,
    pub json: &'static str,
    pub optional: fn(String) -> String,
    pub list: fn(String) -> String,
}

impl Type {
    /// The type as `spelling`'s language writes it.
    pub fn spell(&self, spelling: &Spelling) -> String {
        match self {
            Type::Text | Type::Token => spelling.text.into(),
            Type::Bool => spelling.bool.into(),
            Type::Float => spelling.float.into(),
            Type::Int => spelling.int.into(),
            Type::Time => spelling.time.into(),
            Type::Json => spelling.json.into(),
            Type::Model(name) => (*name).into(),
            Type::Response => "ResponseInfo".into(),
            Type::Optional(t) => (spelling.optional)(t.spell(spelling)),
            Type::List(t) => (spelling.list)(t.spell(spelling)),
        }
    }
}

/// `snake_case` as `camelCase`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// The class an error kind's class extends.
pub fn parent_class(kind: ErrorKind) -> &'static str {
    kind.parent()
        .map_or(BASE_ERROR_CLASS, ErrorKind::class_name)
}

/// The surface as the suites read it: error classes with their parents and Python builtins,
/// the options in each host's spelling, and each model's fields in each host's case.
pub fn surface_json() -> String {
    let errors: Vec<Value> = ErrorKind::ALL
        .iter()
        .map(|&kind| {
            json!({
                "name": kind.class_name(),
                "parent": parent_class(kind),
                "python_builtin": kind.python_builtin(),
            })
        })
        .collect();
    let options: Vec<Value> = CLIENT_OPTIONS
        .iter()
        .map(|o| json!({ "python": o.name, "node": o.js_name }))
        .collect();
    let models: Vec<Value> = MODELS
        .iter()
        .map(|m| {
            let python: Vec<&str> = m.fields.iter().map(|f| f.name).collect();
            let node: Vec<String> = python.iter().map(|f| camel(f)).collect();
            json!({ "name": m.name, "python": python, "node": node })
        })
        .collect();
    let surface = json!({
        "_comment": "Written by `make surface` from the core's declarations; do not edit.",
        "base_error": BASE_ERROR_CLASS,
        "errors": errors,
        "client_options": options,
        "models": models,
    });
    serde_json::to_string_pretty(&surface).expect("JSON values always serialize") + "\n"
}

/// A declaration's doc comment (one or more lines) as one line.
pub fn one_line(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` in lines of at most `width` characters, broken between words.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}
