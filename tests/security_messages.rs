//! The security whitepaper's messages over real sockets with the dev Central System:
//! SecurityEventNotification recorded online and offline (held in the transaction queue across
//! a Central System outage, delivered once), ExtendedTriggerMessage for each message the build
//! answers, and NotImplemented / NotSupported where a whitepaper message is not built. Every
//! frame goes to `target/frames/<test>.jsonl` and is schema-validated by scripts/test.sh.

mod common;

use std::time::Duration;

use common::*;
use ocpp::engine::Event;
use ocpp::messages::SecurityEventType;
use serde_json::{json, Value};

fn events_of(cs: &DevCs, id: &str) -> Vec<Value> {
    cs.messages(id, Some("SecurityEventNotification"))
        .into_iter()
        .map(|m| m["payload"].clone())
        .collect()
}

#[test]
fn security_events_are_delivered_online_and_after_an_outage() {
    let name = "security_events";
    let mut cs = DevCs::start(name);
    let id = "CP_SEC_EV";
    let cp = TestCp::start(&cs, id, 1);
    cp.wait_online(SOON);

    // The platform records StartupOfTheDevice itself when it starts; the application records
    // its own events.
    cp.host
        .with(|cp, now| {
            cp.record_security_event(now, SecurityEventType::TamperDetectionActivated, None)
        })
        .expect("queued");
    let online = cs.wait_messages(id, "SecurityEventNotification", 2, SOON);
    assert_eq!(online[0]["payload"]["type"], "StartupOfTheDevice");
    assert_eq!(online[1]["payload"]["type"], "TamperDetectionActivated");
    // The CS records a CALL before its answer reaches us: wait for the confirmation, or the
    // outage below would leave the online event queued too.
    wait_until(SOON, || {
        (cp.host.with(|cp, _| cp.queued_transaction_messages()) == 0).then_some(())
    })
    .expect("the online events confirmed");

    let port = cs.ws_port;
    let mark = cp.host.event_mark();
    cs.kill();
    assert!(cp
        .host
        .wait_event_since(mark, |e| *e == Event::Disconnected, SOON)
        .is_some());
    for (kind, info) in [
        (
            SecurityEventType::FailedToAuthenticateAtCentralSystem,
            Some("401 Unauthorized"),
        ),
        (SecurityEventType::SettingSystemTime, None),
    ] {
        cp.host
            .with(|cp, now| cp.record_security_event(now, kind, info))
            .expect("queued offline");
    }
    let queued = cp.host.with(|cp, _| cp.queued_transaction_messages());
    assert_eq!(queued, 2, "both events held while offline");

    let cs2 = DevCs::restart_on(name, port);
    cp.wait_online(Duration::from_secs(15));
    let delivered = wait_until(SOON, || {
        let all = events_of(&cs2, id);
        (all.len() >= 2).then_some(all)
    })
    .expect("the held events delivered");
    std::thread::sleep(Duration::from_millis(300));
    let delivered_now = events_of(&cs2, id);
    assert_eq!(
        delivered_now.len(),
        2,
        "each delivered once: {delivered_now:#?}"
    );
    assert_eq!(delivered[0]["type"], "FailedToAuthenticateAtCentralSystem");
    assert_eq!(delivered[0]["techInfo"], "401 Unauthorized");
    assert_eq!(delivered[1]["type"], "SettingSystemTime");
    assert!(delivered[1].get("techInfo").is_none());
    assert_eq!(cp.host.with(|cp, _| cp.queued_transaction_messages()), 0);
}

#[test]
fn extended_trigger_message_from_the_central_system() {
    let cs = DevCs::start("security_extended_trigger");
    let id = "CP_SEC_TRIG";
    let cp = TestCp::start(&cs, id, 2);
    cp.wait_online(SOON);
    let trigger = |message: &str, connector: Option<u32>| -> Value {
        let mut payload = json!({ "requestedMessage": message });
        if let Some(c) = connector {
            payload["connectorId"] = json!(c);
        }
        cs.call_ok(id, "ExtendedTriggerMessage", payload)["status"].clone()
    };
    for (message, connector) in [
        ("Heartbeat", None),
        ("LogStatusNotification", None),
        ("FirmwareStatusNotification", None),
        ("StatusNotification", Some(2)),
        ("BootNotification", None),
    ] {
        // With SignedUpdateFirmware built, the firmware state is the signed update's.
        let sent = match message {
            "FirmwareStatusNotification" if cfg!(feature = "signed-firmware") => {
                "SignedFirmwareStatusNotification"
            }
            other => other,
        };
        let before = cs.messages(id, Some(sent)).len();
        assert_eq!(trigger(message, connector), "Accepted", "{message}");
        let after = cs.wait_messages(id, sent, before + 1, SOON);
        let last = &after[after.len() - 1]["payload"];
        match message {
            "LogStatusNotification" => assert_eq!(last["status"], "Idle"),
            "FirmwareStatusNotification" => assert_eq!(last["status"], "Idle"),
            "StatusNotification" => assert_eq!(last["connectorId"], 2),
            _ => {}
        }
    }
    // With certificate-signing: a CSR request for the platform (tests/certificate_signing.rs).
    assert_eq!(
        trigger("SignChargePointCertificate", None),
        if cfg!(feature = "certificate-signing") {
            "Accepted"
        } else {
            "NotImplemented"
        }
    );
    assert_eq!(trigger("StatusNotification", Some(9)), "Rejected");

    // Whitepaper requests this build does not implement: NotSupported, never silence.
    let answer = cs.call(
        id,
        "GetInstalledCertificateIds",
        json!({"certificateType": "CentralSystemRootCertificate"}),
    );
    if cfg!(feature = "certificates") {
        assert_eq!(answer["result"]["status"], "NotFound", "{answer}");
    } else {
        assert_eq!(answer["error"]["code"], "NotSupported", "{answer}");
    }
}
