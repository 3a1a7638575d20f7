//! The host platform against misbehaving Central Systems on 127.0.0.1, played by small servers
//! in this file (tungstenite's server side): one that accepts the WebSocket then falls silent
//! (defect 7 of issue 10), one that sends its handshake answer a byte per second (defect 8),
//! one that asks for a Reset (defect 11). Each test takes a few seconds.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use ocpp::engine::{Event, StartOutcome};
use serde_json::{json, Value};
use tungstenite::handshake::server::{Request, Response};
use tungstenite::{Message, WebSocket};

const CS_TIME: &str = "2026-12-01T10:00:00.000Z";

/// Accepts the WebSocket handshake, agreeing to OCPP 1.6J.
#[allow(clippy::result_large_err)] // tungstenite's callback signature
fn accept(stream: TcpStream) -> WebSocket<TcpStream> {
    let ws = tungstenite::accept_hdr(stream, |_: &Request, mut response: Response| {
        response
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", "ocpp1.6".parse().unwrap());
        Ok(response)
    })
    .expect("handshake");
    ws.get_ref()
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    ws
}

/// A tiny Central System: answers every CALL of the charge point (StartTransaction gets
/// transactionId `tx_id`) until `until` says stop; returns the actions received.
fn serve(
    ws: &mut WebSocket<TcpStream>,
    tx_id: i32,
    mut until: impl FnMut(&[String]) -> bool,
) -> Vec<String> {
    let mut actions = Vec::new();
    while !until(&actions) {
        let text = match ws.read() {
            Ok(Message::Text(text)) => text,
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => break,
        };
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame[0] != 2 {
            continue;
        }
        let action = frame[2].as_str().unwrap().to_owned();
        let payload = match action.as_str() {
            "BootNotification" => {
                json!({"status": "Accepted", "currentTime": CS_TIME, "interval": 300})
            }
            "Heartbeat" => json!({"currentTime": CS_TIME}),
            "StartTransaction" => {
                json!({"transactionId": tx_id, "idTagInfo": {"status": "Accepted"}})
            }
            _ => json!({}),
        };
        actions.push(action);
        ws.send(Message::Text(json!([3, frame[1], payload]).to_string()))
            .unwrap();
    }
    actions
}

fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/ocpp/CP_1", listener.local_addr().unwrap());
    (listener, url)
}

/// Defect 7: the Central System keeps the socket open but answers nothing, pings included.
/// The charge point notices within WebSocketPingInterval + the pong timeout, reconnects, and
/// the StartTransaction sent on the dead link is delivered on the new one without having
/// used up its only attempt.
#[test]
fn silent_central_system_is_detected_by_ping_and_nothing_is_lost() {
    let (listener, url) = listener();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (seen_tx, seen_rx) = mpsc::channel::<(u32, Vec<String>, Instant)>();
    let server = thread::spawn(move || {
        // The first connection: registered, then silent (the socket stays open, unread).
        let (stream, _) = listener.accept().unwrap();
        go_rx.recv().unwrap(); // the test has set WebSocketPingInterval
        let mut first = accept(stream);
        let actions = serve(&mut first, 1, |a| {
            a.iter().any(|x| x == "StatusNotification") && a.len() >= 3
        });
        seen_tx.send((1, actions, Instant::now())).unwrap();
        // The second one: a working Central System.
        let (stream, _) = listener.accept().unwrap();
        let reconnected = Instant::now();
        let mut second = accept(stream);
        let actions = serve(&mut second, 2, |a| {
            a.iter().any(|x| x == "StartTransaction")
        });
        seen_tx.send((2, actions, reconnected)).unwrap();
        drop(first);
    });
    let mut config = test_config(url);
    config.options.response_timeout_ms = 10_000;
    let cp = TestCp::start_with(config, "CP_1", 1);
    cp.host.with(|cp, now| {
        cp.change_configuration(now, "WebSocketPingInterval", "1");
        cp.change_configuration(now, "TransactionMessageAttempts", "1");
        cp.change_configuration(now, "MeterValueSampleInterval", "0");
    });
    go_tx.send(()).unwrap();
    let (_, first, silent_from) = seen_rx.recv_timeout(SOON).expect("first connection");
    assert_eq!(first.first().map(String::as_str), Some("BootNotification"));
    cp.wait_online(SOON);
    let started = cp
        .host
        .with(|cp, now| cp.start_transaction(now, 1, "TAG-1", 0, None))
        .expect("start");
    let (_, second, reconnected) = seen_rx
        .recv_timeout(Duration::from_secs(8))
        .expect("no reconnection: the dead link was not detected");
    let after = reconnected - silent_from;
    println!("reconnected {after:?} after the Central System fell silent");
    assert!(after < Duration::from_secs(5), "{after:?}");
    assert!(
        second.contains(&"StartTransaction".to_owned()),
        "{second:?}"
    );
    // The caller learnt at the drop that the start is queued; then it was delivered.
    assert!(cp.events().contains(&Event::TransactionStarted {
        ticket: started,
        connector: 1,
        result: Ok(StartOutcome::Queued)
    }));
    assert!(wait_until(SOON, || {
        (cp.host.with(|cp, _| cp.queued_transaction_messages()) == 0).then_some(())
    })
    .is_some());
    assert!(
        !cp.events()
            .iter()
            .any(|e| matches!(e, Event::TransactionMessageDiscarded { .. })),
        "an attempt was burnt on the dead link: {:?}",
        cp.events()
    );
    server.join().unwrap();
}

/// Defect 8: a Central System that sends its handshake answer one byte per second. The
/// handshake is given up after `connect_timeout`, and the engine's timers keep running
/// meanwhile: the running transaction's meter samples keep being taken.
#[test]
fn slow_handshake_is_bounded_and_meter_samples_keep_flowing() {
    let (listener, url) = listener();
    let (drop_tx, drop_rx) = mpsc::channel::<()>();
    let (dribbled_tx, dribbled_rx) = mpsc::channel::<(usize, Duration)>();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = accept(stream);
        serve(&mut ws, 1, |_| drop_rx.try_recv().is_ok());
        drop(ws);
        // Every further connection: a valid handshake answer, one byte per second.
        let (mut stream, _) = listener.accept().unwrap();
        let began = Instant::now();
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request);
        let answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n";
        let mut sent = 0;
        for byte in answer {
            if stream.write_all(&[*byte]).is_err() {
                break;
            }
            sent += 1;
            thread::sleep(Duration::from_secs(1));
            // The charge point gave up: reads see the end of the stream.
            stream.set_nonblocking(true).unwrap();
            let mut probe = [0u8; 16];
            let closed = matches!(stream.read(&mut probe), Ok(0));
            stream.set_nonblocking(false).unwrap();
            if closed {
                break;
            }
        }
        dribbled_tx.send((sent, began.elapsed())).unwrap();
    });
    let mut config = test_config(url);
    config.connect_timeout = Duration::from_secs(3);
    config.reconnect_min = Duration::from_millis(100);
    let cp = TestCp::start_with(config, "CP_1", 1);
    cp.wait_online(SOON);
    cp.host
        .with(|cp, now| {
            cp.change_configuration(now, "MeterValueSampleInterval", "1");
            cp.start_transaction(now, 1, "TAG-1", 0, None)
        })
        .expect("start");
    assert!(wait_until(SOON, || {
        (cp.host.with(|cp, _| cp.queued_transaction_messages()) == 0).then_some(())
    })
    .is_some());
    drop_tx.send(()).unwrap();
    // Offline now, in the slow handshake: samples are queued while it dribbles.
    let before = cp.host.with(|cp, _| cp.queued_transaction_messages());
    thread::sleep(Duration::from_millis(3_000));
    let during = cp.host.with(|cp, _| cp.queued_transaction_messages());
    println!("queued MeterValues: {before} before, {during} 3 s into the slow handshake");
    assert!(
        during >= before + 2,
        "no meter samples during the handshake"
    );
    let (sent, took) = dribbled_rx
        .recv_timeout(SOON)
        .expect("the handshake was not given up");
    println!("handshake given up after {sent} bytes, {took:?}");
    assert!(took < Duration::from_secs(6), "{took:?}");
    server.join().unwrap();
}
