//! Defect 7 of issue 10: WebSocketPingInterval detects a Central System that keeps the socket
//! open but answers nothing, and transaction messages do not burn attempts on such a link.

use super::*;

/// Online with pings every `interval` s and at most one attempt per transaction message, so a
/// counted attempt would discard the message at once.
fn harness(name: &str, interval: &str) -> Harness {
    let mut h = Harness::new(name, 1);
    h.cp.change_configuration(h.now, "WebSocketPingInterval", interval);
    h.cp.change_configuration(h.now, "TransactionMessageAttempts", "1");
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "0");
    h.online();
    h
}

#[test]
fn ping_after_silence_pong_keeps_the_link_missing_pong_kills_it() {
    let mut h = harness("keepalive-ping", "10");
    h.deaf = true;
    h.advance(9_999);
    assert_eq!(h.pings, 0, "no ping before the interval");
    // A frame from the Central System is a sign of life: the interval starts again.
    h.cs_call("GetConfiguration", json!({"key": ["HeartbeatInterval"]}));
    h.advance(9_999);
    assert_eq!(h.pings, 0);
    h.advance(1);
    assert_eq!(h.pings, 1, "a ping after 10 s of silence");
    assert!(!h.cp.poll_ping(h.now), "one ping at a time");
    h.cp.handle_pong(h.now);
    h.advance(10_000);
    assert_eq!(h.pings, 2, "the pong restarted the interval");
    assert!(!h.cp.link_dead());
    h.advance(9_999);
    assert!(!h.cp.link_dead(), "the pong timeout is the interval");
    h.advance(1);
    assert!(h.cp.link_dead(), "no pong: the link is dead");
    assert!(!h.cp.poll_ping(h.now), "no more pings on a dead link");
    h.cp.handle_disconnected(h.now);
    assert!(!h.cp.link_dead());
    assert!(h.events().contains(&Event::Disconnected));
}

#[test]
fn zero_interval_sends_no_ping() {
    let mut h = harness("keepalive-off", "0");
    h.deaf = true;
    h.advance(3_600_000);
    assert!(!h.cp.link_dead());
    assert!(!h.cp.poll_ping(h.now));
}

#[test]
fn transaction_message_on_a_dead_link_keeps_its_attempt() {
    let mut h = harness("keepalive-dead-tx", "60");
    h.deaf = true;
    let ticket = h.start(1, "TAG", 0);
    h.expect_call("StartTransaction");
    // The response timeout (10 s) passes in silence: the link is probed, nothing comes back.
    h.advance(10_000);
    assert!(!h.cp.link_dead(), "probing first");
    h.advance(10_000);
    assert!(h.cp.link_dead(), "no pong to the probe");
    assert_eq!(h.cp.queued_transaction_messages(), 1, "still queued");
    let events = h.events();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::TransactionMessageDiscarded { .. })),
        "{events:?}"
    );
    // The platform reconnects; the same StartTransaction is delivered on the live link.
    h.cp.handle_disconnected(h.now);
    assert!(h.events().contains(&Event::TransactionStarted {
        ticket,
        connector: 1,
        result: Ok(StartOutcome::Queued)
    }));
    h.deaf = false;
    h.cp.handle_connected(h.now);
    h.answer(
        "BootNotification",
        json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300}),
    );
    let mut starts = 0;
    while let Some(frame) = h.transmit() {
        let id = frame[1].as_str().unwrap().to_string();
        if frame[2] == "StartTransaction" {
            starts += 1;
            h.result(
                &id,
                json!({"transactionId": 7, "idTagInfo": {"status": "Accepted"}}),
            );
        } else {
            h.result(&id, json!({}));
        }
    }
    assert_eq!(starts, 1);
    assert_eq!(h.cp.queued_transaction_messages(), 0);
}

#[test]
fn transaction_message_on_a_live_link_counts_its_attempt() {
    let mut h = harness("keepalive-live-tx", "60");
    h.start(1, "TAG", 0);
    h.expect_call("StartTransaction");
    // The Central System answers the probe's ping but never the StartTransaction: an attempt.
    h.advance(10_000);
    h.advance(1);
    assert!(!h.cp.link_dead());
    assert_eq!(
        h.cp.queued_transaction_messages(),
        0,
        "discarded (1 attempt)"
    );
    assert!(h.events().contains(&Event::TransactionMessageDiscarded {
        connector: 1,
        action: Action::StartTransaction
    }));
}
