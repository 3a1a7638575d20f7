//! SignedUpdateFirmware over real sockets: the dev Central System generates a manufacturer root
//! and a firmware signing certificate, the test installs the root with InstallCertificate, and
//! the image is downloaded over HTTP from the dev CS file server and verified by the host
//! platform (ring) before it is installed: a good signature goes Downloading, Downloaded,
//! SignatureVerified, Installing, Installed; a bad one InvalidSignature with the security event
//! InvalidFirmwareSignature and nothing installed; a signing certificate of another CA is
//! answered InvalidCertificate (security event InvalidFirmwareSigningCertificate). Every frame
//! goes to `target/frames/<test>.jsonl` and is schema-validated by scripts/test.sh.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use ocpp::platform::host::{charge_point_url, HostConfig};
use serde_json::{json, Value};

const TRANSFER: Duration = Duration::from_secs(30);

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(MANIFEST_DIR)
        .join("target")
        .join("signed-fw-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(cs: &DevCs, id: &str, dir: &Path) -> HostConfig {
    let mut config = test_config(charge_point_url(&cs.base_url(), id));
    config.firmware.dir = Some(dir.join("firmware"));
    config.store_dir = Some(dir.join("store"));
    config
}

/// (status, requestId) of every SignedFirmwareStatusNotification received.
fn statuses(cs: &DevCs, id: &str) -> Vec<(String, Option<i64>)> {
    cs.messages(id, Some("SignedFirmwareStatusNotification"))
        .iter()
        .map(|m| {
            (
                m["payload"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                m["payload"]["requestId"].as_i64(),
            )
        })
        .collect()
}

fn wait_status(cs: &DevCs, id: &str, last: &str) -> Vec<String> {
    wait_until(TRANSFER, || {
        let all = statuses(cs, id);
        all.last()
            .is_some_and(|(s, _)| s == last)
            .then(|| all.into_iter().map(|(s, _)| s).collect())
    })
    .unwrap_or_else(|| panic!("{id}: no {last}: {:?}", statuses(cs, id)))
}

fn security_events(cs: &DevCs, id: &str) -> Vec<String> {
    cs.messages(id, Some("SecurityEventNotification"))
        .iter()
        .map(|m| m["payload"]["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A charge point online with the dev CS's manufacturer root installed, and an image served.
fn setup(name: &str, id: &str) -> (DevCs, TestCp, PathBuf, Value) {
    let cs = DevCs::start(name);
    let dir = scratch(name);
    let cp = TestCp::start_with(config(&cs, id, &dir), id, 1);
    cp.wait_online(SOON);
    let signing = cs.get("/firmware_signing");
    let answer = cs.call_ok(
        id,
        "InstallCertificate",
        json!({"certificateType": "ManufacturerRootCertificate",
               "certificate": signing["manufacturer_root_pem"]}),
    );
    assert_eq!(answer["status"], "Accepted", "{answer}");
    let image = cs.post(
        "/firmware",
        json!({"name": "signed-2.0.bin", "size": 300_000, "seed": 11}),
    );
    (cs, cp, dir, image)
}

#[test]
fn a_good_signature_is_verified_then_installed() {
    let id = "CP_SIGNED_OK";
    let (cs, _cp, dir, image) = setup("signed_firmware_good", id);
    let answer = cs.post(
        "/signed_update_firmware",
        json!({"cp_id": id, "image": "signed-2.0.bin", "request_id": 21, "retries": 1,
               "retry_interval": 1}),
    );
    assert_eq!(answer["result"]["status"], "Accepted", "{answer}");
    let all = wait_status(&cs, id, "Installed");
    assert_eq!(
        all,
        [
            "Downloading",
            "Downloaded",
            "SignatureVerified",
            "Installing",
            "Installed"
        ]
    );
    assert!(
        statuses(&cs, id).iter().all(|(_, r)| *r == Some(21)),
        "every notification has the requestId"
    );
    assert!(
        cs.messages(id, Some("FirmwareStatusNotification"))
            .is_empty(),
        "a signed update reports with SignedFirmwareStatusNotification only"
    );
    let installed = std::fs::read(dir.join("firmware").join("installed.bin")).unwrap();
    assert_eq!(installed.len() as u64, image["size"].as_u64().unwrap());
    let events = wait_until(SOON, || {
        let all = security_events(&cs, id);
        all.iter().any(|e| e == "FirmwareUpdated").then_some(all)
    })
    .expect("FirmwareUpdated");
    assert!(!events.iter().any(|e| e == "InvalidFirmwareSignature"));
}

#[test]
fn a_bad_signature_is_invalid_signature_and_nothing_is_installed() {
    let id = "CP_SIGNED_BAD";
    let (cs, _cp, dir, _) = setup("signed_firmware_bad", id);
    let answer = cs.post(
        "/signed_update_firmware",
        json!({"cp_id": id, "image": "signed-2.0.bin", "request_id": 22, "bad_signature": true}),
    );
    assert_eq!(answer["result"]["status"], "Accepted", "{answer}");
    let all = wait_status(&cs, id, "InvalidSignature");
    assert_eq!(all, ["Downloading", "Downloaded", "InvalidSignature"]);
    let events = wait_until(SOON, || {
        let all = security_events(&cs, id);
        all.iter()
            .any(|e| e == "InvalidFirmwareSignature")
            .then_some(all)
    })
    .expect("the security event InvalidFirmwareSignature");
    assert!(!events.iter().any(|e| e == "FirmwareUpdated"), "{events:?}");
    assert!(!dir.join("firmware").join("installed.bin").exists());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        wait_status(&cs, id, "InvalidSignature").len(),
        3,
        "nothing after"
    );
}

#[test]
fn a_signing_certificate_of_another_ca_is_invalid_certificate() {
    let id = "CP_SIGNED_FOREIGN";
    let (cs, _cp, _dir, _) = setup("signed_firmware_foreign", id);
    let answer = cs.post(
        "/signed_update_firmware",
        json!({"cp_id": id, "image": "signed-2.0.bin", "foreign_certificate": true}),
    );
    assert_eq!(answer["result"]["status"], "InvalidCertificate", "{answer}");
    wait_until(SOON, || {
        security_events(&cs, id)
            .iter()
            .any(|e| e == "InvalidFirmwareSigningCertificate")
            .then_some(())
    })
    .expect("the security event InvalidFirmwareSigningCertificate");
    std::thread::sleep(Duration::from_millis(300));
    assert!(statuses(&cs, id).is_empty(), "nothing downloaded");
    assert!(cs.get("/downloads").as_array().unwrap().is_empty());
}
