//! The queue's record codec, order, capacity and persistence tracking.

use super::*;

fn sample(value: &str) -> SampledValue {
    SampledValue {
        value: CiString::try_from_str(value).unwrap(),
        context: Some(ReadingContext::SamplePeriodic),
        format: None,
        measurand: Some(Measurand::EnergyActiveImportRegister),
        phase: Some(Phase::L1N),
        location: None,
        unit: Some(UnitOfMeasure::Wh),
    }
}

fn full_samples() -> Samples {
    let mut s = Samples::new();
    while s.push(sample("123456789012345678901234")).is_ok() {}
    s
}

fn messages() -> [TxMessage; 3] {
    [
        TxMessage::Start {
            local_id: 7,
            connector: 2,
            id_tag: CiString::try_from_str("ABCDEFGHIJ0123456789").unwrap(),
            meter_start: -5,
            reservation_id: Some(9),
            at: Stamp::Monotonic(Instant(1234)),
        },
        TxMessage::MeterValues {
            local_id: 7,
            connector: 2,
            at: Stamp::Wall(DateTime::from_unix_ms(99)),
            values: full_samples(),
        },
        TxMessage::Stop {
            local_id: 7,
            connector: 2,
            id_tag: Some(CiString::try_from_str("ABCDEFGHIJ0123456789").unwrap()),
            meter_stop: i32::MAX,
            reason: Reason::DeAuthorized,
            at: Stamp::Wall(DateTime::from_unix_ms(1)),
            end_values: full_samples(),
            aligned: Some((Stamp::Monotonic(Instant(5)), full_samples())),
        },
    ]
}

#[test]
fn records_round_trip_in_order_and_ids_are_tracked() {
    let mut q = TransactionQueue::new();
    for (seq, m) in messages().iter().enumerate() {
        q.push(seq as u32 + 10, m, (seq == 2).then_some(77))
            .unwrap();
    }
    assert_eq!(q.len(), 3);
    q.assign(7, 4242);
    assert_eq!(q.transaction_id(7), Some(4242));
    for (seq, m) in messages().into_iter().enumerate() {
        assert_eq!(q.front_seq(), Some(seq as u32 + 10));
        let item = q.front().unwrap();
        assert_eq!(item.message, m);
        assert_eq!(item.waiting, (seq == 2).then_some(77));
        // Dropped without decoding: the same ticket.
        assert_eq!(q.drop_front(), item.waiting);
    }
    assert!(q.is_empty());
    assert_eq!(
        q.transaction_id(7),
        None,
        "forgotten after its StopTransaction"
    );
    assert!(q.as_bytes().is_empty());
}

#[test]
fn drop_front_reads_only_the_record_head() {
    let mut q = TransactionQueue::new();
    for (seq, m) in messages().iter().enumerate() {
        q.push(seq as u32, m, (seq == 2).then_some(77)).unwrap();
    }
    q.assign(7, 4242);
    assert_eq!(q.drop_front(), None);
    assert_eq!(q.drop_front(), None);
    assert_eq!(q.transaction_id(7), Some(4242), "its Stop is still queued");
    assert_eq!(q.drop_front(), Some(77), "the caller waiting on the Stop");
    assert_eq!(q.transaction_id(7), None);
    assert_eq!(q.drop_front(), None);
    assert!(q.is_empty() && q.as_bytes().is_empty());
}

#[test]
fn worst_case_record_fits_max_record() {
    let mut buf = [0u8; 2 * MAX_RECORD];
    let mut w = Writer::new(&mut buf);
    w.u16(0);
    w.u32(0);
    encode(&mut w, &messages()[2]);
    let len = w.finish().unwrap();
    assert!(len <= MAX_RECORD, "{len} > {MAX_RECORD}");
}

#[test]
fn full_queue_refuses_and_keeps_what_it_has() {
    let mut q = TransactionQueue::new();
    let m = &messages()[1];
    let mut pushed = 0;
    while q.push(pushed, m, None).is_ok() {
        pushed += 1;
    }
    assert!(pushed > 0);
    assert_eq!(q.len(), pushed as usize);
    assert!(q.free_bytes() < MAX_RECORD);
    assert_eq!(q.front().unwrap().seq, 0);
    q.drop_front();
    assert_eq!(q.len(), pushed as usize - 1);
}

#[test]
fn stored_records_come_back_in_seq_order_whatever_the_load_order() {
    let mut q = TransactionQueue::new();
    for (seq, m) in messages().iter().enumerate() {
        q.push(seq as u32 + 1, m, None).unwrap();
    }
    let mut saved = std::vec::Vec::new();
    while let Some((seq, record)) = q.take_unstored() {
        saved.push((seq, record.to_vec()));
    }
    assert_eq!(
        saved.iter().map(|s| s.0).collect::<std::vec::Vec<_>>(),
        [1, 2, 3]
    );
    let mut restored = TransactionQueue::new();
    for i in [2, 0, 1] {
        restored.restore_record(&saved[i].1).unwrap();
    }
    assert_eq!(restored.as_bytes(), q.as_bytes());
    assert_eq!(
        restored.take_unstored(),
        None,
        "restored records are stored"
    );
    assert!(
        restored.restore_record(&saved[0].1).is_err(),
        "already queued"
    );
    let torn = &saved[1].1[..saved[1].1.len() - 3];
    assert!(TransactionQueue::new().restore_record(torn).is_err());
    assert!(TransactionQueue::new()
        .restore_record(&[5, 0, 9, 9, 9])
        .is_err());
    // Removing stored records asks for their erasure; unstored ones need none.
    restored.drop_front();
    assert_eq!(restored.take_erasure(), Some(1));
    assert_eq!(restored.take_erasure(), None);
    assert_eq!(restored.highest_ids(), (3, 7));
}
