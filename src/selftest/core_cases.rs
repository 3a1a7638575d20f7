//! The Core profile's on-target cases.

use super::*;

/// A new charge point with every connector the build allows: offline, Available, nothing
/// queued or sent. (Its stack use is that of `ChargePoint::init_in` alone, as in `ocpp_init`.)
#[no_mangle]
pub extern "C" fn ocpp_selftest_new() -> i32 {
    run(MAX_CONNECTORS as u8, new)
}

fn new(h: &mut Harness<'_>) -> Outcome {
    check!(usize::from(h.cp.number_of_connectors()) == MAX_CONNECTORS);
    check!(!h.cp.is_online() && h.cp.registration().is_none());
    for connector in 0..=h.cp.number_of_connectors() {
        check!(h.cp.connector_status(connector) == Some(ChargePointStatus::Available));
        check!(!h.cp.has_transaction(connector));
    }
    check!(h
        .cp
        .connector_status(h.cp.number_of_connectors() + 1)
        .is_none());
    check!(h.cp.queued_transaction_messages() == 0 && h.cp.transaction_queue_bytes().is_empty());
    check!(h.cp.poll_event().is_none() && h.cp.poll_timeout().is_none());
    h.nothing_sent()
}

/// (a) Framing: a valid CALL, one padded with whitespace and escapes, and malformed, invalid
/// and oversized frames get the CALLRESULT or the CALLERROR code the spec asks for.
#[no_mangle]
pub extern "C" fn ocpp_selftest_framing() -> i32 {
    run(1, framing)
}

fn framing(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    let len = take!(h.raw(br#"[2,"a1","ClearCache",{}]"#));
    let cleared: ClearCacheResponse = h.payload(len)?;
    check!(cleared.status == ClearCacheStatus::Accepted);

    // Whitespace between tokens and unknown fields are fine; JSON escapes are decoded.
    let padded = b"\r\n[ 2 ,\t\"ws-1\" , \"DataTransfer\" , { \"vendorId\" : \"ac\\u006de\", \"data\": \"a\\\"b\", \"x\": [1, {}] } ]\n";
    let len = take!(h.raw(padded));
    match rpc::parse_frame(take!(h.out.get(..len))) {
        Ok(Frame::CallResult { id, .. }) => check!(id.as_str() == "ws-1"),
        _ => return Err(line!()),
    }
    let echoed: DataTransferResponse = h.payload(len)?;
    check!(echoed.status == DataTransferStatus::Accepted);
    check!(echoed.data.as_deref() == Some("a\"b"));

    let cases: [(&[u8], &str, ErrorCode); 8] = [
        (b"garbage", "-1", ErrorCode::FormationViolation),
        (
            br#"[2,"b1","Reset",{"type":}]"#,
            "b1",
            ErrorCode::FormationViolation,
        ),
        (br#"[2,"b2","Reset"]"#, "b2", ErrorCode::ProtocolError),
        (
            br#"[2,"b3","FlyToTheMoon",{}]"#,
            "b3",
            ErrorCode::NotImplemented,
        ),
        // Sent by the Charge Point only: NotSupported whatever profiles the build has (a
        // profile's own requests answer NotSupported only when the profile is left out).
        (br#"[2,"b4","Heartbeat",{}]"#, "b4", ErrorCode::NotSupported),
        (
            br#"[2,"b5","Reset",{}]"#,
            "b5",
            ErrorCode::OccurenceConstraintViolation,
        ),
        (
            br#"[2,"b6","Reset",{"type":"Sideways"}]"#,
            "b6",
            ErrorCode::PropertyConstraintViolation,
        ),
        (
            br#"[2,"b7","UnlockConnector",{"connectorId":"1"}]"#,
            "b7",
            ErrorCode::TypeConstraintViolation,
        ),
    ];
    for (frame, expected_id, expected_code) in cases {
        let reply = h.raw(frame);
        let (id, code) = h.call_error(reply)?;
        check!(id.as_str() == expected_id && code == Some(expected_code));
    }
    // A CiString longer than its limit is a property violation, not a formation violation.
    let too_long = br#"[2,"b8","RemoteStartTransaction",{"idTag":"123456789012345678901"}]"#;
    let reply = h.raw(too_long);
    let (_, code) = h.call_error(reply)?;
    check!(code == Some(ErrorCode::PropertyConstraintViolation));
    // A malformed answer to one of our CALLs gets no reply.
    check!(h.raw(br#"[3,"7",{"a":}]"#).is_none());

    // A frame larger than the receive buffer: refused with the id read from its beginning.
    let prefix = br#"[2,"big-1","DataTransfer",{"vendorId":"acme","data":"xxxxxxxx"#;
    let oversized =
        h.cp.handle_oversized_frame(prefix, FRAME_CAPACITY * 4, h.out.as_mut_slice());
    let (id, code) = h.call_error(oversized)?;
    check!(id.as_str() == "big-1" && code == Some(ErrorCode::GenericError));
    // ... and silently dropped when it was not a CALL.
    let dropped =
        h.cp.handle_oversized_frame(br#"[3,"1",{"#, FRAME_CAPACITY * 4, h.out.as_mut_slice());
    check!(dropped.is_none());
    h.nothing_sent()
}

/// (b) BootNotification: Pending, retried after the interval, then Accepted; the heartbeat
/// follows the interval the Central System gave, and its answer sets the clock.
#[no_mangle]
pub extern "C" fn ocpp_selftest_boot() -> i32 {
    run(2, boot)
}

fn boot(h: &mut Harness<'_>) -> Outcome {
    h.nothing_sent()?;
    h.cp.handle_connected(h.now);
    h.boot(RegistrationStatus::Pending, CS_TIME, 5)?;
    check!(h.cp.registration() == Some(RegistrationStatus::Pending));
    check!(h.saw(&Event::Registration(RegistrationStatus::Pending)));
    h.advance(4_999);
    h.nothing_sent()?;
    h.advance(1);
    // The Central System's clock ran on meanwhile (no jump).
    let at = DateTime::from_unix_secs(CS_TIME.unix_secs() + 5);
    h.boot(RegistrationStatus::Accepted, at, 60)?;
    check!(h.cp.is_online());
    check!(h.saw(&Event::Registration(RegistrationStatus::Accepted)));
    check!(h.cp.configuration().HeartbeatInterval == 60);
    check!(h.cp.wall_time(h.now) == Some(at));
    for connector in 0..=2 {
        h.expect_status(connector, ChargePointStatus::Available)?;
    }
    h.advance(59_999);
    h.nothing_sent()?;
    h.advance(1);
    let (id, _) = h.expect::<HeartbeatRequest>(Action::Heartbeat)?;
    let later = DateTime::from_unix_secs(CS_TIME.unix_secs() + 3_600);
    h.answer(
        &id,
        &HeartbeatResponse {
            current_time: later,
        },
    )?;
    check!(h.cp.wall_time(h.now) == Some(later));
    // A jump of the clock is the whitepaper's SettingSystemTime security event.
    #[cfg(feature = "security")]
    {
        let (id, event) = h.expect::<crate::messages::SecurityEventNotificationRequest>(
            Action::SecurityEventNotification,
        )?;
        check!(event.kind == crate::messages::SecurityEventType::SettingSystemTime);
        h.answer(&id, &crate::messages::SecurityEventNotificationResponse {})?;
    }
    h.advance(60_000);
    let (id, _) = h.expect::<HeartbeatRequest>(Action::Heartbeat)?;
    h.answer(
        &id,
        &HeartbeatResponse {
            current_time: DateTime::from_unix_secs(later.unix_secs() + 60),
        },
    )?;
    h.nothing_sent()
}

/// (c) A transaction online: Authorize, StartTransaction, periodic MeterValues and the
/// StopTransaction, all carrying the Central System's transactionId.
#[no_mangle]
pub extern "C" fn ocpp_selftest_transaction() -> i32 {
    run(2, transaction)
}

fn transaction(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    let interval =
        h.cp.change_configuration(h.now, "MeterValueSampleInterval", "10");
    check!(interval == ConfigurationStatus::Accepted);
    let _ = h.saw(&Event::ConfigurationChanged(
        ConfigKey::MeterValueSampleInterval,
    ));

    let ticket = take!(h.cp.authorize(h.now, "TAG-1").ok());
    let (id, req) = h.expect::<AuthorizeRequest>(Action::Authorize)?;
    check!(req.id_tag.as_str() == "TAG-1");
    h.answer(
        &id,
        &AuthorizeResponse {
            id_tag_info: accepted(),
        },
    )?;
    check!(h.saw(&Event::Authorized {
        ticket,
        result: Ok(accepted())
    }));

    h.cp.station_mut().energy_wh[1] = 1_000;
    let ticket = take!(h.cp.start_transaction(h.now, 1, "TAG-1", 1_000, None).ok());
    let (id, req) = h.expect::<StartTransactionRequest>(Action::StartTransaction)?;
    check!(req.connector_id == 1 && req.id_tag.as_str() == "TAG-1" && req.meter_start == 1_000);
    check!(req.timestamp == CS_TIME);
    let started = StartTransactionResponse {
        id_tag_info: accepted(),
        transaction_id: 4_711,
    };
    h.answer(&id, &started)?;
    h.expect_status(1, ChargePointStatus::Charging)?;
    let outcome = Ok(StartOutcome::Accepted {
        transaction_id: 4_711,
    });
    check!(h.saw(&Event::TransactionStarted {
        ticket,
        connector: 1,
        result: outcome
    }));
    check!(h.cp.transaction_id(1) == Some(4_711));

    for sample in 1..=3 {
        h.cp.station_mut().energy_wh[1] += 50;
        h.advance(9_999);
        h.nothing_sent()?;
        h.advance(1);
        let (id, req) = h.expect::<MeterValuesRequest>(Action::MeterValues)?;
        check!(req.connector_id == 1 && req.transaction_id == Some(4_711));
        let value = take!(req.meter_value.first());
        check!(value.timestamp == DateTime::from_unix_secs(CS_TIME.unix_secs() + 10 * sample));
        let reading = take!(value.sampled_value.first());
        check!(reading.value == sample_text(1_000 + 50 * sample));
        check!(reading.measurand == Some(Measurand::EnergyActiveImportRegister));
        check!(reading.context == Some(ReadingContext::SamplePeriodic));
        check!(reading.unit == Some(UnitOfMeasure::Wh));
        h.answer(&id, &MeterValuesResponse {})?;
    }

    let ticket = take!(h
        .cp
        .stop_transaction(h.now, 1, 1_150, None, Some("TAG-1"))
        .ok());
    let (id, req) = h.expect::<StopTransactionRequest>(Action::StopTransaction)?;
    check!(req.transaction_id == 4_711 && req.meter_stop == 1_150);
    check!(req.reason == Some(Reason::Local));
    check!(req.id_tag.as_ref().map(|t| t.as_str()) == Some("TAG-1"));
    let end = take!(req.transaction_data.as_ref().and_then(|d| d.last()));
    let reading = take!(end.sampled_value.first());
    check!(reading.context == Some(ReadingContext::TransactionEnd));
    h.answer(&id, &StopTransactionResponse { id_tag_info: None })?;
    h.expect_status(1, ChargePointStatus::Finishing)?;
    let outcome = Ok(StopOutcome::Delivered);
    check!(h.saw(&Event::TransactionStopped {
        ticket,
        connector: 1,
        result: outcome
    }));
    check!(!h.cp.has_transaction(1) && h.cp.queued_transaction_messages() == 0);
    h.advance(60_000);
    h.nothing_sent()
}

/// (d) Offline: transactions started and stopped without a connection are replayed in order
/// after reconnecting, and each StopTransaction carries the id assigned on replay.
#[no_mangle]
pub extern "C" fn ocpp_selftest_offline_replay() -> i32 {
    run(2, offline_replay)
}

fn offline_replay(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "0");
    h.cp.handle_disconnected(h.now);
    check!(h.saw(&Event::Disconnected));

    for connector in [1u8, 2] {
        let tag = if connector == 1 { "OFF-1" } else { "OFF-2" };
        let meter = 100 * i32::from(connector);
        let ticket = take!(h
            .cp
            .start_transaction(h.now, connector, tag, meter, None)
            .ok());
        let queued = Ok(StartOutcome::Queued);
        check!(h.saw(&Event::TransactionStarted {
            ticket,
            connector,
            result: queued
        }));
        h.advance(1_000);
    }
    for connector in [1u8, 2] {
        let meter = 100 * i32::from(connector) + 50;
        let ticket = take!(h
            .cp
            .stop_transaction(h.now, connector, meter, None, None)
            .ok());
        let queued = Ok(StopOutcome::Queued);
        check!(h.saw(&Event::TransactionStopped {
            ticket,
            connector,
            result: queued
        }));
        h.advance(1_000);
    }
    h.nothing_sent()?;
    check!(h.cp.queued_transaction_messages() == 4);

    h.advance(60_000);
    h.cp.handle_connected(h.now);
    let at = h.cs_time();
    h.boot(RegistrationStatus::Accepted, at, 300)?;
    // Expected order: both starts, then both stops with the ids given to the starts.
    let mut replayed = 0;
    let mut last_start = None;
    while let Some(sent) = h.skip_statuses()? {
        match (replayed, sent.action) {
            (0 | 1, Action::StartTransaction) => {
                let req: StartTransactionRequest = h.payload(sent.len)?;
                check!(req.connector_id == replayed + 1);
                check!(req.meter_start == 100 * (replayed as i32 + 1));
                // Stamped when it happened offline, not when it was sent.
                check!(req.timestamp.unix_secs() == CS_TIME.unix_secs() + i64::from(replayed));
                check!(last_start.is_none_or(|t| t < req.timestamp));
                last_start = Some(req.timestamp);
                let started = StartTransactionResponse {
                    id_tag_info: accepted(),
                    transaction_id: 500 + replayed as i32 + 1,
                };
                h.answer(&sent.id, &started)?;
            }
            (2 | 3, Action::StopTransaction) => {
                let req: StopTransactionRequest = h.payload(sent.len)?;
                let connector = replayed as i32 - 1;
                check!(req.transaction_id == 500 + connector);
                check!(req.meter_stop == 100 * connector + 50);
                check!(req.reason == Some(Reason::Local));
                h.answer(&sent.id, &StopTransactionResponse { id_tag_info: None })?;
            }
            _ => return Err(line!()),
        }
        replayed += 1;
    }
    check!(replayed == 4 && h.cp.queued_transaction_messages() == 0);
    Ok(())
}

/// (e) GetConfiguration of every key fits the send buffer (CONFIG_OCPP_SEND_BUFFER_SIZE):
/// with the default values, and with every writable key at its longest value.
#[no_mangle]
pub extern "C" fn ocpp_selftest_configuration_fits() -> i32 {
    run(MAX_CONNECTORS as u8, configuration_fits)
}

/// Counts the entries of a `configurationKey` array, parsing each as a [`KeyValue`] (one at a
/// time: the whole response as a typed value would not fit a small stack).
struct KeyCount(usize);

impl<'de> serde::Deserialize<'de> for KeyCount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Counter;
        impl<'de> serde::de::Visitor<'de> for Counter {
            type Value = KeyCount;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a list of KeyValue")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeyCount, A::Error> {
                let mut n = 0;
                while seq.next_element::<KeyValue>()?.is_some() {
                    n += 1;
                }
                Ok(KeyCount(n))
            }
        }
        deserializer.deserialize_seq(Counter)
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct AllKeys {
    configuration_key: KeyCount,
}

fn configuration_fits(h: &mut Harness<'_>) -> Outcome {
    get_every_key(h)?;

    // The longest value each writable key accepts: the largest number, the longest measurands,
    // a full phase rotation list, "false".
    let mut measurands = CiString500::new();
    let mut used = [false; Measurand::ALL.len()];
    for _ in 0..MAX_SAMPLED_VALUES {
        let longest = (0..Measurand::ALL.len())
            .filter(|&i| !used.get(i).copied().unwrap_or(true))
            .max_by_key(|&i| Measurand::ALL.get(i).map_or(0, |m| m.as_str().len()));
        let Some(i) = longest else { break };
        if let (Some(flag), Some(m)) = (used.get_mut(i), Measurand::ALL.get(i)) {
            *flag = true;
            let comma = if measurands.is_empty() { "" } else { "," };
            check!(write!(measurands, "{comma}{m}").is_ok());
        }
    }
    let mut rotation = CiString::<128>::new();
    for i in 0..8 {
        let comma = if i == 0 { "" } else { "," };
        check!(write!(rotation, "{comma}{i}.NotApplicable").is_ok());
    }
    // (ConnectorPhaseRotation takes any short list: it gets the longest text.)
    let candidates = [
        rotation.as_str(),
        "4294967295",
        measurands.as_str(),
        "false",
    ];
    for &key in ConfigKey::ALL {
        if key.access() == Access::ReadOnly {
            continue;
        }
        // Never read back (AuthorizationKey) or only raised to a provisioned profile
        // (SecurityProfile): neither lengthens a GetConfiguration answer.
        #[cfg(feature = "security-profiles")]
        if matches!(
            key,
            ConfigKey::AuthorizationKey | ConfigKey::SecurityProfile
        ) {
            continue;
        }
        let changed = candidates.iter().any(|value| {
            h.cp.change_configuration(h.now, key.as_str(), value) != ConfigurationStatus::Rejected
        });
        check!(changed);
    }
    check!(h.cp.configuration().MeterValuesSampledData.len() == MAX_SAMPLED_VALUES);
    get_every_key(h)
}

/// GetConfiguration without keys, answered into a buffer of the platform's send size.
fn get_every_key(h: &mut Harness<'_>) -> Outcome {
    let len = take!(h.raw(br#"[2,"gc","GetConfiguration",{}]"#));
    let frame = rpc::parse_frame(take!(h.out.get(..len)));
    let Ok(Frame::CallResult { id, .. }) = frame else {
        // A CALLERROR InternalError: the answer does not fit SEND_CAPACITY.
        return Err(line!());
    };
    check!(id.as_str() == "gc");
    let all: AllKeys = h.payload(len)?;
    check!(all.configuration_key.0 == ConfigKey::ALL.len());
    log::info!("GetConfiguration of every key: {len} of {SEND_CAPACITY} bytes");
    Ok(())
}

/// (f) Power cut: a transaction started offline, with a meter sample, written to a store in
/// RAM through `poll_store`; the charge point is built again from those records alone. Its
/// StartTransaction and MeterValues are sent again in order and the transaction is stopped with
/// reason PowerLoss at the last reading, with the transactionId from the replayed start.
#[no_mangle]
pub extern "C" fn ocpp_selftest_power_cut() -> i32 {
    run(1, power_cut)
}

/// The records of the store, small ones only (the case writes no configuration).
pub(super) type Records = heapless::Vec<(StoreKey, heapless::Vec<u8, 96>), 8>;

pub(super) fn drain_store(
    cp: &mut ChargePoint<TestStation>,
    records: &mut Records,
    buf: &mut [u8],
) -> Outcome {
    for _ in 0..32 {
        match cp.poll_store(buf) {
            Some(StoreOp::Write { key, data }) => {
                records.retain(|(k, _)| *k != key);
                let data = take!(heapless::Vec::from_slice(data).ok());
                check!(records.push((key, data)).is_ok());
            }
            Some(StoreOp::Erase { key }) => records.retain(|(k, _)| *k != key),
            None => return Ok(()),
        }
    }
    Err(line!())
}

fn power_cut(h: &mut Harness<'_>) -> Outcome {
    h.cp.change_configuration(h.now, "MeterValueSampleInterval", "10");
    h.cp.enable_store();
    let mut records = Records::new();
    let mut buf = [0u8; MAX_STORED_RECORD];
    h.cp.station_mut().energy_wh[1] = 7;
    take!(h
        .cp
        .start_transaction(h.now, 1, "PERSIST", 7, Some(42))
        .ok());
    h.cp.station_mut().energy_wh[1] = 19;
    h.advance(10_000);
    drain_store(h.cp, &mut records, &mut buf)?;
    check!(records.iter().filter(|(k, _)| k.starts_with("q/")).count() == 2);
    check!(records.iter().any(|(k, _)| k.as_str() == "tx/1"));

    h.reboot()?;
    for (key, data) in &records {
        check!(h.cp.restore_record(key, data).is_ok());
    }
    let report = h.cp.finish_restore(h.now);
    check!(report.queued == 3 && report.stopped == 1 && report.resumed == 0);
    check!(!h.cp.has_transaction(1));
    h.cp.handle_connected(h.now);
    let at = h.cs_time();
    h.boot(RegistrationStatus::Accepted, at, 300)?;
    let start = take!(h.skip_statuses()?);
    check!(start.action == Action::StartTransaction);
    let req: StartTransactionRequest = h.payload(start.len)?;
    check!(req.id_tag.as_str() == "PERSIST" && req.meter_start == 7);
    check!(req.reservation_id == Some(42));
    let conf = StartTransactionResponse {
        id_tag_info: accepted(),
        transaction_id: 4242,
    };
    h.answer(&start.id, &conf)?;
    let (id, values) = h.expect::<MeterValuesRequest>(Action::MeterValues)?;
    check!(values.transaction_id == Some(4242));
    let sample = take!(values
        .meter_value
        .first()
        .and_then(|m| m.sampled_value.first()));
    check!(sample.value.as_str() == "19");
    h.answer(&id, &MeterValuesResponse {})?;
    let (id, stop) = h.expect::<StopTransactionRequest>(Action::StopTransaction)?;
    check!(stop.transaction_id == 4242 && stop.meter_stop == 19);
    check!(stop.reason == Some(Reason::PowerLoss));
    h.answer(&id, &StopTransactionResponse { id_tag_info: None })?;
    // Delivered: the store keeps no transaction record.
    drain_store(h.cp, &mut records, &mut buf)?;
    check!(records
        .iter()
        .all(|(k, _)| !k.starts_with("q/") && !k.starts_with("tx/")));
    Ok(())
}
