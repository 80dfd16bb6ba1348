//! Peak memory while a server sends 1 GiB: its own test binary, so no other test's allocations
//! share the process while the peak (`VmHWM`, reset through `/proc/self/clear_refs`) is taken.

mod common;

use argos_addon::ErrorKind;
use argos_addon_hostile::Scenario;
use common::hostile;

const BOUND: u64 = 64 * 1024 * 1024;

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_1_gib_answer_grows_memory_by_less_than_64_mib() {
    let (_server, builder) = hostile();
    let client = builder.max_retries(0).build().unwrap();
    // Warm the pool, TLS and the allocator so that the measure is of the body alone.
    client.face_auth().get("ok").await.unwrap();
    for (scenario, kind) in [
        (Scenario::HugeBody, ErrorKind::Status),
        (Scenario::HugeBodyChunked, ErrorKind::Status),
        (Scenario::HugeCloseDelimited, ErrorKind::Status),
        (Scenario::HugeError, ErrorKind::InternalServer),
        (Scenario::HugeErrorChunked, ErrorKind::InternalServer),
    ] {
        std::fs::write("/proc/self/clear_refs", "5").expect("peak RSS can be reset");
        let before = status_kib("VmRSS:") * 1024;
        let err = client.face_auth().get(scenario.name()).await.unwrap_err();
        let peak = status_kib("VmHWM:") * 1024;
        assert_eq!(err.kind(), kind, "{scenario:?}: {err}");
        let growth = peak.saturating_sub(before);
        eprintln!("{scenario:?} {}", growth >> 20);
        assert!(
            growth < BOUND,
            "{scenario:?}: peak RSS grew by {} MiB",
            growth >> 20
        );
    }
}
