//! Random identifiers shaped like the ones the real service hands out.

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn random_string(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[fastrand::usize(..alphabet.len())]))
        .collect()
}

/// An API Gateway-style key: 40 characters of `[A-Za-z0-9]`.
pub(crate) fn api_key() -> String {
    random_string(ALPHANUMERIC, 40)
}

/// An Add-On project ID: 10 characters of `[a-z0-9]`.
pub(crate) fn project_id() -> String {
    random_string(LOWER_ALPHANUMERIC, 10)
}

/// A FaceAuth `authentication_id`: 16 characters of `[a-z0-9]`.
pub(crate) fn auth_id() -> String {
    random_string(LOWER_ALPHANUMERIC, 16)
}

/// A random UUID v4, as API Gateway uses for `x-amzn-RequestId`.
pub(crate) fn request_id() -> String {
    let mut bits = fastrand::u128(..);
    bits = (bits & !(0xf << 76)) | (0x4 << 76);
    bits = (bits & !(0x3 << 62)) | (0x2 << 62);
    format_uuid(bits)
}

/// A UUID v7 (millisecond timestamp, then random bits), the shape of the
/// `traceId` in the service's error bodies.
pub(crate) fn trace_id() -> String {
    let millis = u128::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or_default();
    let mut bits = (millis << 80) | (fastrand::u128(..) & ((1 << 80) - 1));
    bits = (bits & !(0xf << 76)) | (0x7 << 76);
    bits = (bits & !(0x3 << 62)) | (0x2 << 62);
    format_uuid(bits)
}

fn format_uuid(bits: u128) -> String {
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_carry_version_and_variant() {
        let v4 = request_id();
        assert_eq!(v4.len(), 36);
        assert_eq!(&v4[14..15], "4");
        assert!("89ab".contains(&v4[19..20]));
        let v7 = trace_id();
        assert_eq!(&v7[14..15], "7");
        let millis = i64::from_str_radix(&v7[..8], 16).unwrap() << 16
            | i64::from_str_radix(&v7[9..13], 16).unwrap();
        assert!((chrono::Utc::now().timestamp_millis() - millis).abs() < 60_000);
    }

    #[test]
    fn ids_use_their_alphabets() {
        assert!(api_key().len() == 40 && api_key().bytes().all(|b| b.is_ascii_alphanumeric()));
        let pid = project_id();
        assert!(pid.len() == 10 && pid.bytes().all(|b| LOWER_ALPHANUMERIC.contains(&b)));
        assert_eq!(auth_id().len(), 16);
    }
}
