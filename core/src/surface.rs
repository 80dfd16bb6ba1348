//! The result models, declared once: [`for_each_model!`](crate::for_each_model) hands their
//! declaration to a macro, which the core uses to define the structs (in `models.rs`), the Python
//! binding to define its classes, and this module to describe them in [`MODELS`] for the tools
//! that write the `.pyi` and `.d.ts`.
//!
//! To add a field, add it here and set it in its parser (`models.rs` or `webhook.rs`).

/// One result model, as [`MODELS`] describes it.
#[derive(Clone, Copy, Debug)]
pub struct ModelSpec {
    pub name: &'static str,
    /// The doc comment as the compiler hands it over: each line with the space after `///`,
    /// each ending in `\n`.
    pub doc: &'static str,
    /// In declaration order.
    pub fields: &'static [FieldSpec],
}

/// One field of a [`ModelSpec`].
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    /// The Rust type as `stringify!` writes it, such as `Option < DateTime < Utc > >`.
    pub rust_type: &'static str,
    /// The doc comment, as [`ModelSpec::doc`]; empty when there is none.
    pub doc: &'static str,
}

/// Calls `$callback! { … }` with the declaration of every result model:
/// `/// doc` lines, an optional `#[derive(Default)]`, then `Name { /// doc  field: Type, … }`.
///
/// The types are written as the scope that expands the callback names them: `String`, `bool`,
/// `u8`, `f64`, `Option<_>`, `Vec<_>`, `DateTime<Utc>`, `Value` (the JSON as received, always
/// the last field and named `raw`), `NextKey`, `Response` (the HTTP answer's [`ResponseInfo`],
/// which the Node binding sets itself, hence `#[serde(skip)]`), and the models themselves.
///
/// [`ResponseInfo`]: crate::ResponseInfo
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_model {
    ($callback:path) => {
        $callback! {
            /// Scores of the checks the project's policy enabled; a check that did not run has no score.
            #[derive(Default)]
            Score {
                face_similarity_score: Option<f64>,
                occluded_score: Option<f64>,
                face_cover_score: Option<f64>,
                head_cover_score: Option<f64>,
            }

            /// The answer to `POST /faceauth`. A rejection is a result, never an error.
            FaceAuthResult {
                authentication_id: String,
                /// `"approved"`, `"rejected"`, or whatever new value the API sends.
                auth_status: String,
                approved: bool,
                score: Score,
                create_time: Option<DateTime<Utc>>,
                /// Failure codes in the API's exact case (`face_compare_underscore`,
                /// `Face_Occluded_fail`, ...).
                fail_codes: Vec<String>,
                rejected_comments: Vec<String>,
                /// The HTTP answer that carried this result (shared by the records of a page).
                #[serde(skip)]
                response: Response,
                /// The JSON object as received.
                raw: Value,
            }

            /// The policy snapshot a record was judged with; a threshold the API omits has no value.
            #[derive(Default)]
            Policy {
                face_similarity_threshold: Option<f64>,
                occluded_threshold: Option<bool>,
                face_cover_threshold: Option<f64>,
                head_cover_threshold: Option<f64>,
                liveness_threshold: Option<f64>,
                active_liveness_threshold: Option<f64>,
            }

            /// One record of `GET /faceauth`.
            FaceAuthRecord {
                auth_id: String,
                auth_status: String,
                approved: bool,
                create_time: Option<DateTime<Utc>>,
                submit_type: Option<String>,
                kyc_submission_id: Option<String>,
                policy: Option<Policy>,
                /// `delete_check`: the record's image and personal data were erased.
                deleted: bool,
                /// The HTTP answer that carried this result (shared by the records of a page).
                #[serde(skip)]
                response: Response,
                /// The JSON object as received.
                raw: Value,
            }

            /// One page of `GET /faceauth`.
            FaceAuthPage {
                records: Vec<FaceAuthRecord>,
                /// Where the next page starts (bindings show it as an opaque token); none on the last page.
                next_key: Option<NextKey>,
                /// The HTTP answer that carried this result (shared by the records of a page).
                #[serde(skip)]
                response: Response,
            }

            /// The reference ID Check submission's values, as the webhook repeats them.
            #[derive(Default)]
            WebhookReference {
                user_id: Option<String>,
                email: Option<String>,
                cf1: Option<String>,
                cf2: Option<String>,
                cf3: Option<String>,
            }

            /// A `faceAuth` webhook, the same whichever of the three published versions was sent.
            FaceAuthWebhook {
                auth_id: String,
                submission_id: Option<String>,
                auth_status: Option<String>,
                create_time: Option<DateTime<Utc>>,
                user_id: Option<String>,
                cf1: Option<String>,
                cf2: Option<String>,
                cf3: Option<String>,
                token_id: Option<String>,
                reference: Option<WebhookReference>,
                /// 1 (snake_case, `auth_id`), 2 (`Authentication_id` at the top) or 3 (target
                /// fields `Auth_*`).
                version: u8,
                /// The decrypted JSON body.
                raw: Value,
            }

            /// The budget of this client's key today, as the budget store (or, without one, this
            /// client) counts it.
            BudgetStatus {
                /// Requests per second shared by every client of the key; none when unlimited.
                rate_limit: Option<f64>,
                daily_quota: Option<u64>,
                /// Requests sent since 00:00 UTC.
                used_today: u64,
                /// None without a daily_quota; 0 once the API said the day is spent.
                remaining_today: Option<u64>,
                /// The next 00:00 UTC.
                resets_at: DateTime<Utc>,
                /// `"redis"` or `"local"`.
                store: String,
                /// False when the store did not answer in time; the counts are then this client's.
                healthy: bool,
            }
        }
    };
}

/// `MODELS`, from the declaration.
macro_rules! specs {
    ($(
        $(#[doc = $doc:literal])*
        $(#[derive($($derive:ident),*)])?
        $name:ident { $(
            $(#[doc = $fdoc:literal])* $(#[serde($($serde:tt)*)])? $field:ident: $ty:ty
        ),* $(,)? }
    )*) => {
        /// Every result model, in declaration order.
        pub const MODELS: &[ModelSpec] = &[$(ModelSpec {
            name: stringify!($name),
            doc: concat!($($doc, "\n"),*),
            fields: &[$(FieldSpec {
                name: stringify!($field),
                rust_type: stringify!($ty),
                doc: concat!($($fdoc, "\n"),*),
            }),*],
        }),*];
    };
}

for_each_model!(specs);

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str) -> &'static ModelSpec {
        MODELS.iter().find(|m| m.name == name).unwrap()
    }

    /// A type without the spaces `stringify!` puts between tokens.
    fn squeezed(rust_type: &str) -> String {
        rust_type.split_whitespace().collect()
    }

    #[test]
    fn models_are_described_in_declaration_order() {
        let names: Vec<_> = MODELS.iter().map(|m| m.name).collect();
        assert_eq!(
            names,
            [
                "Score",
                "FaceAuthResult",
                "Policy",
                "FaceAuthRecord",
                "FaceAuthPage",
                "WebhookReference",
                "FaceAuthWebhook",
                "BudgetStatus"
            ]
        );
        let record = model("FaceAuthRecord");
        assert_eq!(record.doc, " One record of `GET /faceauth`.\n");
        let fields: Vec<_> = record
            .fields
            .iter()
            .map(|f| (f.name, squeezed(f.rust_type)))
            .collect();
        assert_eq!(
            fields,
            [
                ("auth_id", "String"),
                ("auth_status", "String"),
                ("approved", "bool"),
                ("create_time", "Option<DateTime<Utc>>"),
                ("submit_type", "Option<String>"),
                ("kyc_submission_id", "Option<String>"),
                ("policy", "Option<Policy>"),
                ("deleted", "bool"),
                ("response", "Response"),
                ("raw", "Value"),
            ]
            .map(|(name, rust_type)| (name, rust_type.to_owned()))
        );
        assert_eq!(record.fields[0].doc, "");
        assert_eq!(
            record.fields[7].doc,
            " `delete_check`: the record's image and personal data were erased.\n"
        );
        let codes = &model("FaceAuthResult").fields[5];
        assert_eq!(
            codes.doc,
            " Failure codes in the API's exact case (`face_compare_underscore`,\n \
             `Face_Occluded_fail`, ...).\n"
        );
        assert_eq!(
            squeezed(model("FaceAuthPage").fields[1].rust_type),
            "Option<NextKey>"
        );
    }
}
