//! An enum's spec names packed into one string with each name's offset: 2 bytes per value
//! instead of a pointer and a length (and instead of a compiled `match` on strings), and one
//! lookup loop shared by every enum. Built at compile time by `ocpp_enum!`.

/// The names of one enum's values, in declaration order.
pub struct Names {
    text: &'static str,
    /// Where each name starts in `text`, and then where the last one ends.
    offsets: &'static [u16],
}

impl Names {
    /// `text` is every name concatenated, `offsets` from [`offsets`].
    pub const fn new(text: &'static [u8], offsets: &'static [u16]) -> Self {
        match core::str::from_utf8(text) {
            Ok(text) => Self { text, offsets },
            // Only reachable at compile time, from names that are string literals.
            Err(_) => panic!("enum names are text"),
        }
    }

    /// Name `index` ("" past the end).
    pub fn get(&self, index: usize) -> &'static str {
        match (self.offsets.get(index), self.offsets.get(index + 1)) {
            (Some(&start), Some(&end)) => self
                .text
                .get(usize::from(start)..usize::from(end))
                .unwrap_or(""),
            _ => "",
        }
    }

    /// The index of the name equal to `name`, ASCII case ignored or not.
    pub fn find(&self, name: &str, ignore_case: bool) -> Option<usize> {
        let (text, name) = (self.text.as_bytes(), name.as_bytes());
        let mut start = 0;
        for (index, &end) in self.offsets.iter().skip(1).enumerate() {
            let end = usize::from(end);
            // Lengths first: most names are told apart without comparing bytes.
            if end.wrapping_sub(start) == name.len() {
                if let Some(candidate) = text.get(start..end) {
                    if candidate == name || (ignore_case && candidate.eq_ignore_ascii_case(name)) {
                        return Some(index);
                    }
                }
            }
            start = end;
        }
        None
    }
}

/// Bytes of every name together.
pub const fn total_len(names: &[&str]) -> usize {
    let mut total = 0;
    let mut i = 0;
    while i < names.len() {
        total += names[i].len();
        i += 1;
    }
    total
}

/// Every name concatenated (`LEN` = [`total_len`]).
pub const fn pack<const LEN: usize>(names: &[&str]) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    let mut at = 0;
    let mut i = 0;
    while i < names.len() {
        let bytes = names[i].as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            out[at] = bytes[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// Where each name starts in [`pack`]'s text, then where the last one ends (`COUNT` = the
/// number of names + 1; the text is under 64 KiB).
pub const fn offsets<const COUNT: usize>(names: &[&str]) -> [u16; COUNT] {
    let mut out = [0u16; COUNT];
    let mut at = 0;
    let mut i = 0;
    while i + 1 < COUNT {
        at += names[i].len();
        assert!(at <= u16::MAX as usize, "enum names fit 64 KiB");
        out[i + 1] = at as u16;
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &[&str] = &["Accepted", "", "Blocked", "ConcurrentTx"];
    static TEXT: [u8; total_len(LIST)] = pack(LIST);
    static OFFSETS: [u16; LIST.len() + 1] = offsets(LIST);
    static NAMES: Names = Names::new(&TEXT, &OFFSETS);

    #[test]
    fn names_by_index_and_back() {
        for (i, name) in LIST.iter().enumerate() {
            assert_eq!(NAMES.get(i), *name);
        }
        assert_eq!(NAMES.get(LIST.len()), "");
        assert_eq!(NAMES.find("Blocked", false), Some(2));
        assert_eq!(NAMES.find("blocked", false), None);
        assert_eq!(NAMES.find("blocked", true), Some(2));
        assert_eq!(NAMES.find("", false), Some(1));
        assert_eq!(NAMES.find("Accept", false), None);
        assert_eq!(NAMES.find("AcceptedBlocked", true), None);
        assert_eq!(NAMES.find("ConcurrentTx", false), Some(3));
    }
}
