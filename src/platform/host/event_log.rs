//! The recent events: kept for waiters, and those not yet handed to `on_event`.

use super::*;

pub(super) struct Record {
    pub(super) seq: u64,
    pub(super) event: Event,
    /// Returned by a `wait_event*` call already: not returned again.
    pub(super) taken: bool,
}

#[derive(Default)]
pub(super) struct EventLog {
    pub(super) recent: VecDeque<Record>,
    pub(super) next_seq: u64,
    /// Not yet handed to `on_event`.
    pub(super) undelivered: VecDeque<Event>,
}

impl EventLog {
    pub(super) fn push(&mut self, event: Event) {
        if self.undelivered.len() >= MAX_UNDELIVERED {
            warn!(
                "on_event is not keeping up; dropping {:?}",
                self.undelivered.front()
            );
            self.undelivered.pop_front();
        }
        self.undelivered.push_back(event.clone());
        if self.recent.len() >= EVENT_HISTORY {
            self.recent.pop_front();
        }
        self.recent.push_back(Record {
            seq: self.next_seq,
            event,
            taken: false,
        });
        self.next_seq += 1;
    }
}
