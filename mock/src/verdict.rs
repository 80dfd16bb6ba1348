//! How `POST /faceauth` decides between `approved` and `rejected`.

use serde_json::{Map, Value, json};

const APPROVED: &str = "approved";
const REJECTED: &str = "rejected";
const FACE_COMPARE: &str = "face_compare_underscore";

/// A verdict for the next successful `POST /faceauth`, bypassing the image comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForcedVerdict {
    /// `auth_status`; `None` means `approved` without fail codes and `rejected` with them.
    pub status: Option<String>,
    /// `face_similarity_score`; `None` means the mock's usual score for a matching
    /// face, or for a mismatch when the codes include `face_compare_underscore`
    /// (or the verdict is a rejection without codes).
    pub score: Option<f64>,
    /// `fail_code` entries; known codes get their documented `rejected_comment`
    /// and score, unknown ones are echoed as their own comment.
    pub fail_codes: Vec<String>,
}

/// The outcome of one face authentication.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub status: String,
    pub scores: Vec<(&'static str, f64)>,
    pub fail_codes: Vec<String>,
    pub comments: Vec<String>,
}

impl Verdict {
    /// Approves `image` when it is byte-for-byte the submission's selfie, unless a
    /// forced verdict says otherwise. Scores derive from a hash of the image so that
    /// the same upload always gets the same score.
    pub(crate) fn decide(
        image: &[u8],
        selfie: Option<&[u8]>,
        forced: Option<ForcedVerdict>,
        threshold: f64,
    ) -> Self {
        let hash = fnv1a(image);
        let Some(forced) = forced else {
            return if selfie == Some(image) {
                Self::new(APPROVED.into(), high_score(hash), Vec::new())
            } else {
                let codes = vec![FACE_COMPARE.to_owned()];
                Self::new(REJECTED.into(), low_score(hash, threshold), codes)
            };
        };
        let status = forced.status.unwrap_or_else(|| {
            let status = if forced.fail_codes.is_empty() {
                APPROVED
            } else {
                REJECTED
            };
            status.to_owned()
        });
        let mismatch = forced.fail_codes.iter().any(|c| c == FACE_COMPARE)
            || (forced.fail_codes.is_empty() && status != APPROVED);
        let score = forced.score.unwrap_or_else(|| {
            if mismatch {
                low_score(hash, threshold)
            } else {
                high_score(hash)
            }
        });
        Self::new(status, score, forced.fail_codes)
    }

    fn new(status: String, similarity: f64, fail_codes: Vec<String>) -> Self {
        let mut scores = vec![("face_similarity_score", similarity)];
        scores.extend(fail_codes.iter().filter_map(|code| code_score(code)));
        let comments = fail_codes.iter().map(|code| comment(code)).collect();
        Self {
            status,
            scores,
            fail_codes,
            comments,
        }
    }

    /// Whether the response carries `fail_code` and `rejected_comment`.
    pub(crate) fn has_failures(&self) -> bool {
        self.status != APPROVED || !self.fail_codes.is_empty()
    }

    pub(crate) fn score_json(&self) -> Value {
        let scores: Map<String, Value> = self
            .scores
            .iter()
            .map(|&(name, score)| (name.to_owned(), json!(score)))
            .collect();
        Value::Object(scores)
    }
}

fn comment(code: &str) -> String {
    match code {
        FACE_COMPARE => "Face compare similarity score is lower than the threshold",
        "Face_Occluded_fail" => "Face is occluded",
        "Face_cover_fail" => "Protection equipment is not found on Face",
        "Head_cover_fail" => "Protection equipment is not found on Head",
        other => other,
    }
    .to_owned()
}

fn code_score(code: &str) -> Option<(&'static str, f64)> {
    match code {
        "Face_Occluded_fail" => Some(("occluded_score", 12.5)),
        "Face_cover_fail" => Some(("face_cover_score", 10.0)),
        "Head_cover_fail" => Some(("head_cover_score", 10.0)),
        _ => None,
    }
}

/// 99.0 to 99.9: a confident match.
fn high_score(hash: u64) -> f64 {
    (990 + hash % 10) as f64 / 10.0
}

/// A mismatch score in [20, threshold), or [0, threshold) for thresholds too low
/// to leave room above 20.
fn low_score(hash: u64, threshold: f64) -> f64 {
    let (base, span) = if threshold >= 26.0 {
        (200, (threshold - 25.0) * 10.0)
    } else {
        (0, (threshold * 10.0).max(1.0))
    };
    (base + hash % span as u64) as f64 / 10.0
}

/// 64-bit FNV-1a: stable across runs and platforms, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_selfie_is_approved_with_a_stable_high_score() {
        let v = Verdict::decide(b"me", Some(b"me"), None, 85.0);
        assert_eq!(v.status, "approved");
        assert!(!v.has_failures());
        let score = v.scores[0].1;
        assert!((99.0..=99.9).contains(&score));
        assert_eq!(
            Verdict::decide(b"me", Some(b"me"), None, 85.0).scores[0].1,
            score
        );
    }

    #[test]
    fn other_faces_score_below_threshold() {
        for threshold in [85.0, 50.0, 26.0, 25.9, 10.0, 0.05] {
            for image in [&b"a"[..], b"bb", b"other face", b"\xff\xd8\xff"] {
                let v = Verdict::decide(image, Some(b"me"), None, threshold);
                assert_eq!(v.status, "rejected");
                assert!(v.scores[0].1 < threshold, "{threshold} {:?}", v.scores);
                assert_eq!(v.fail_codes, ["face_compare_underscore"]);
            }
        }
    }

    #[test]
    fn forced_codes_bring_comments_and_scores() {
        let forced = ForcedVerdict {
            fail_codes: vec!["Face_Occluded_fail".into(), "liveness_fail".into()],
            ..ForcedVerdict::default()
        };
        let v = Verdict::decide(b"me", Some(b"me"), Some(forced), 85.0);
        assert_eq!(v.status, "rejected");
        assert_eq!(v.comments, ["Face is occluded", "liveness_fail"]);
        assert_eq!(v.scores[1], ("occluded_score", 12.5));
        assert!(v.scores[0].1 >= 99.0);
    }

    #[test]
    fn forced_status_and_score_win() {
        let forced = ForcedVerdict {
            status: Some("approved".into()),
            score: Some(42.0),
            fail_codes: Vec::new(),
        };
        let v = Verdict::decide(b"x", None, Some(forced), 85.0);
        assert_eq!((v.status.as_str(), v.scores[0].1), ("approved", 42.0));
        assert_eq!(v.score_json(), json!({"face_similarity_score": 42.0}));
    }
}
