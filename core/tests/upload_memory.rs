//! README: "`face_image` as a path is streamed from disk". A client in a process of its own (this
//! test binary run again) uploads a file far larger than the growth its peak memory is allowed;
//! the mock, which keeps what it receives, stays in the parent.

mod common;

use std::io::Write;
use std::process::Command;

use argos_addon::{Client, FaceImage, SubmitRequest};
use argos_addon_mock::MockOptions;
use common::*;

const MIB: u64 = 1024 * 1024;
const SIZE: u64 = 48 * MIB;
/// Peak RSS growth the upload may cause: a fraction of the file (read whole, it would be 48 MiB).
const BOUND: u64 = 16 * MIB;
/// Where the child finds the mock and the file: base URL, key, CA file, image path, tab-separated.
const CHILD: &str = "ARGOS_TEST_UPLOAD_CHILD";

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The child: prints its peak RSS growth (bytes) over the upload of the big file.
#[tokio::test]
#[ignore = "the child process of the upload memory test, which runs it"]
async fn child_uploads_a_big_path() {
    let setup = std::env::var(CHILD).expect("run by the upload memory test, not alone");
    let [base_url, key, ca, image] = setup.split('\t').collect::<Vec<_>>()[..] else {
        panic!("{CHILD}: {setup}");
    };
    let client = Client::builder()
        .api_key(key)
        .base_url(base_url)
        .ca_cert_pem(std::fs::read(ca).unwrap())
        .max_upload_bytes(SIZE + MIB)
        .build()
        .unwrap();
    let face_auth = client.face_auth();
    let submit = |image: FaceImage| face_auth.submit(SubmitRequest::new("sub0000000001", image));
    // Warm the pool, TLS and the allocator so that the measure is of the upload alone.
    assert!(submit(jpeg(1).into()).await.unwrap().approved);
    std::fs::write("/proc/self/clear_refs", "5").expect("peak RSS can be reset");
    let before = status_kib("VmRSS:") * 1024;
    let result = submit(FaceImage::Path(image.into())).await.unwrap();
    assert!(!result.approved, "another face");
    println!(
        "GROWTH {}",
        (status_kib("VmHWM:") * 1024).saturating_sub(before)
    );
}

#[test]
fn a_path_is_streamed_from_disk_not_read_whole() {
    let dir = std::env::temp_dir().join(format!("argos-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let image = dir.join("big.jpg");
    let mut file = std::fs::File::create(&image).unwrap();
    file.write_all(&jpeg(7)).unwrap();
    file.set_len(SIZE).unwrap(); // sparse: written in no time, read back as zeros
    let mock = mock_with(MockOptions {
        max_body_bytes: (SIZE + MIB) as usize,
        ..MockOptions::default()
    });
    mock.add_submission("sub0000000001", "approved", Some(jpeg(1)));
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, mock.ca_cert_pem()).unwrap();
    let setup = [
        mock.base_url(),
        mock.api_key(),
        ca.to_str().unwrap(),
        image.to_str().unwrap(),
    ]
    .join("\t");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_uploads_a_big_path",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD, setup)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let growth: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("GROWTH "))
        .expect("the child measured")
        .parse()
        .unwrap();
    let received = mock
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "POST");
    assert!(received.unwrap().body_len as u64 > SIZE);
    assert!(
        growth < BOUND,
        "peak RSS grew by {} MiB uploading {} MiB",
        growth / MIB,
        SIZE / MIB
    );
}
