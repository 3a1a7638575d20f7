//! Remote Trigger: what TriggerMessage asks for is sent after the CALLRESULT.

use super::*;

/// (g) TriggerMessage for one connector's StatusNotification and for MeterValues (context
/// Trigger, with the transactionId of a running transaction) is Accepted, and the triggered
/// CALL follows the CALLRESULT; a connectorId out of range is Rejected and nothing is sent.
#[no_mangle]
pub extern "C" fn ocpp_selftest_remote_trigger() -> i32 {
    run(2, remote_trigger)
}

fn trigger(
    h: &mut Harness<'_>,
    message: MessageTrigger,
    connector: u32,
) -> Result<TriggerMessageStatus, Failure> {
    let request = TriggerMessageRequest {
        requested_message: message,
        connector_id: Some(connector),
    };
    Ok(h.call(&request)?.status)
}

fn remote_trigger(h: &mut Harness<'_>) -> Outcome {
    h.online()?;
    let _ = h.saw(&Event::Disconnected);

    // Unchanged since the boot, the status of connector 2 is sent again; handle_frame
    // returned the CALLRESULT, and only the next poll_transmit the StatusNotification.
    let status = trigger(h, MessageTrigger::StatusNotification, 2)?;
    check!(status == TriggerMessageStatus::Accepted);
    h.expect_status(2, ChargePointStatus::Available)?;
    h.nothing_sent()?;
    check!(h.saw(&Event::MessageTriggered {
        message: MessageTrigger::StatusNotification,
        connector: Some(2)
    }));

    // MeterValues of connector 1 during a transaction: context Trigger, its transactionId.
    h.cp.station_mut().energy_wh[1] = 1_000;
    take!(h.cp.start_transaction(h.now, 1, "TRIG", 1_000, None).ok());
    let (id, _) = h.expect::<StartTransactionRequest>(Action::StartTransaction)?;
    let started = StartTransactionResponse {
        id_tag_info: accepted(),
        transaction_id: 88,
    };
    h.answer(&id, &started)?;
    h.expect_status(1, ChargePointStatus::Charging)?;
    let _ = h.saw(&Event::Disconnected);
    h.cp.station_mut().energy_wh[1] = 1_234;
    h.cp.station_mut().energy_wh[2] = 500;
    for (connector, transaction_id, wh) in [(1u8, Some(88), 1_234), (2, None, 500)] {
        let status = trigger(h, MessageTrigger::MeterValues, connector.into())?;
        check!(status == TriggerMessageStatus::Accepted);
        let (id, req) = h.expect::<MeterValuesRequest>(Action::MeterValues)?;
        check!(req.connector_id == u32::from(connector));
        check!(req.transaction_id == transaction_id);
        let value = take!(req.meter_value.first());
        check!(value.timestamp == CS_TIME);
        let reading = take!(value.sampled_value.first());
        check!(reading.value == sample_text(wh));
        check!(reading.context == Some(ReadingContext::Trigger));
        check!(reading.measurand == Some(Measurand::EnergyActiveImportRegister));
        h.answer(&id, &MeterValuesResponse {})?;
        h.nothing_sent()?;
        check!(h.saw(&Event::MessageTriggered {
            message: MessageTrigger::MeterValues,
            connector: Some(connector)
        }));
    }

    // connectorId 3 of 2, and one beyond u8: Rejected, nothing sent, no event.
    for message in [
        MessageTrigger::StatusNotification,
        MessageTrigger::MeterValues,
    ] {
        for connector in [3, 300] {
            check!(trigger(h, message, connector)? == TriggerMessageStatus::Rejected);
        }
    }
    h.nothing_sent()?;
    check!(h.cp.poll_event().is_none());
    Ok(())
}
