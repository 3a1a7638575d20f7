//! Defect 11 of issue 10: an accepted Reset takes effect (Event::ResetDue, on which the
//! platform reboots or re-registers) once the stopped transactions' messages are delivered,
//! or after Options::reset_timeout_ms when they cannot be.

use super::*;

fn due(h: &mut Harness) -> StdVec<ResetType> {
    h.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::ResetDue(kind) => Some(kind),
            _ => None,
        })
        .collect()
}

#[test]
fn soft_reset_is_due_once_the_stop_is_delivered() {
    let mut h = Harness::new("reset-soft", 1);
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "0");
    h.online();
    h.start(1, "TAG", 0);
    h.answer(
        "StartTransaction",
        json!({"transactionId": 3, "idTagInfo": {"status": "Accepted"}}),
    );
    h.answer("StatusNotification", json!({}));
    h.events();
    assert_eq!(
        h.cs_call("Reset", json!({"type": "Soft"}))["status"],
        "Accepted"
    );
    assert!(h.events().contains(&Event::ResetRequested(ResetType::Soft)));
    assert!(h.cp.reset_pending());
    h.advance(1_000);
    assert_eq!(due(&mut h), [], "the StopTransaction is not delivered yet");
    assert_eq!(
        h.cp.start_transaction(h.now, 1, "NEW", 0, None),
        Err(CommandError::Unavailable),
        "no new transaction while the reset is pending"
    );
    let remote = h.cs_call(
        "RemoteStartTransaction",
        json!({"connectorId": 1, "idTag": "NEW"}),
    );
    assert_eq!(remote["status"], "Rejected");
    let (id, stop) = h.expect_call("StopTransaction");
    assert_eq!(stop["reason"], "SoftReset");
    h.advance(1_000);
    assert_eq!(due(&mut h), []);
    h.result(&id, json!({}));
    h.advance(0);
    #[cfg(feature = "security")]
    {
        assert_eq!(
            due(&mut h),
            [],
            "the ResetOrReboot event is not delivered yet"
        );
        h.answer("StatusNotification", json!({})); // Finishing
        reset_event_delivered(&mut h, "Soft");
    }
    assert_eq!(due(&mut h), [ResetType::Soft]);
    assert!(!h.cp.reset_pending());
    h.advance(60_000);
    assert_eq!(due(&mut h), [], "once");
}

#[test]
fn hard_reset_offline_is_due_after_the_bounded_wait() {
    let mut h = Harness::new("reset-hard-offline", 1);
    h.online();
    h.start(1, "TAG", 0);
    h.answer(
        "StartTransaction",
        json!({"transactionId": 4, "idTagInfo": {"status": "Accepted"}}),
    );
    assert_eq!(
        h.cs_call("Reset", json!({"type": "Hard"}))["status"],
        "Accepted"
    );
    h.cp.handle_disconnected(h.now); // the StopTransaction stays queued
    h.advance(19_999);
    assert_eq!(due(&mut h), []);
    h.advance(1);
    assert_eq!(due(&mut h), [ResetType::Hard]);
    // The StopTransaction (and the ResetOrReboot security event) are kept for after the reboot.
    let kept = if cfg!(feature = "security") { 2 } else { 1 };
    assert_eq!(h.cp.queued_transaction_messages(), kept);
}

#[test]
fn reset_without_transactions_is_due_at_once() {
    let mut h = Harness::new("reset-idle", 1);
    h.online();
    assert_eq!(
        h.cs_call("Reset", json!({"type": "Soft"}))["status"],
        "Accepted"
    );
    h.advance(0);
    #[cfg(feature = "security")]
    {
        assert_eq!(due(&mut h), [], "the ResetOrReboot event goes first");
        reset_event_delivered(&mut h, "Soft");
    }
    assert_eq!(due(&mut h), [ResetType::Soft]);
}

/// The whitepaper's ResetOrReboot security event is sent (techInfo: the reset type) and confirmed.
#[cfg(feature = "security")]
fn reset_event_delivered(h: &mut Harness, kind: &str) {
    let (id, event) = h.expect_call("SecurityEventNotification");
    assert_eq!(event["type"], "ResetOrReboot");
    assert_eq!(event["techInfo"], kind);
    h.result(&id, json!({}));
    h.advance(0);
}
