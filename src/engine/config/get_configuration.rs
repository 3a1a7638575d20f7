//! GetConfiguration's side of the keys: which keys a request asks for ([`KeySelection`]) and
//! the answer streamed from the configuration one key at a time ([`ConfigurationView`]).

use heapless::Vec;
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::{Access, ConfigKey, Configuration};
use crate::cistring::{CiString50, CiString500};
use crate::codec::{Elements, EncodeFields, Table, Value};
use crate::json::Cursor;
use crate::messages::{KeyValue, GET_CONFIGURATION_MAX_KEYS};
use crate::rpc::{BufferTooSmall, ErrorCode};

/// Which keys a GetConfiguration.conf reports: all of them, or those asked for.
/// Lives on the stack while one GetConfiguration is answered.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySelection {
    All,
    Listed {
        known: Vec<ConfigKey, GET_CONFIGURATION_MAX_KEYS>,
        unknown: Vec<CiString50, GET_CONFIGURATION_MAX_KEYS>,
    },
}

impl KeySelection {
    /// Reads the `key` list of a GetConfiguration.req payload (already syntax-checked by the
    /// framing) one element at a time, each parsed as the CiString50 the schema says, so errors
    /// get the same CALLERROR codes as any other payload. Other members are ignored.
    pub fn parse(payload: &[u8], scratch: &mut [u8]) -> Result<Self, ErrorCode> {
        let mut selection = KeySelection::All;
        selection.parse_into(payload, scratch)?;
        Ok(selection)
    }

    /// [`KeySelection::parse`] into `self`: its lists are built where they stay, not moved
    /// (twice 16 key names) on the OCPP thread's deepest path.
    pub fn parse_into(&mut self, payload: &[u8], scratch: &mut [u8]) -> Result<(), ErrorCode> {
        let mut c = Cursor::new(payload);
        *self = KeySelection::All;
        c.expect(b'{')
            .map_err(|_| ErrorCode::TypeConstraintViolation)?;
        while c.peek() == Some(b'"') {
            let name = c.raw_string().map_err(|_| ErrorCode::FormationViolation)?;
            c.expect(b':').map_err(|_| ErrorCode::FormationViolation)?;
            let value = c.skip_value().map_err(|_| ErrorCode::FormationViolation)?;
            if name == b"key" {
                self.listed(c.slice(value), scratch)?;
            }
            if c.peek() == Some(b',') {
                c.expect(b',').map_err(|_| ErrorCode::FormationViolation)?;
            }
        }
        Ok(())
    }

    fn listed(&mut self, list: &[u8], scratch: &mut [u8]) -> Result<(), ErrorCode> {
        let mut c = Cursor::new(list);
        *self = KeySelection::All;
        if c.expect(b'[').is_err() {
            // `"key": null` is an absent list; anything else is not an array.
            return match list {
                b"null" => Ok(()),
                _ => Err(ErrorCode::TypeConstraintViolation),
            };
        }
        *self = KeySelection::Listed {
            known: Vec::new(),
            unknown: Vec::new(),
        };
        let KeySelection::Listed { known, unknown } = self else {
            return Ok(());
        };
        let mut count = 0;
        while c.peek().is_some_and(|b| b != b']') {
            let element = c.skip_value().map_err(|_| ErrorCode::FormationViolation)?;
            let name = crate::messages::parse_payload::<CiString50>(c.slice(element), scratch)?;
            count += 1;
            if count > GET_CONFIGURATION_MAX_KEYS {
                // More keys than GetConfigurationMaxKeys allows.
                return Err(ErrorCode::OccurenceConstraintViolation);
            }
            match Configuration::find(&name) {
                Some(key) if !known.contains(&key) => {
                    let _ = known.push(key);
                }
                Some(_) => {}
                None => {
                    let _ = unknown.push(name);
                }
            }
            if c.peek() == Some(b',') {
                c.expect(b',').map_err(|_| ErrorCode::FormationViolation)?;
            }
        }
        if count == 0 {
            // `"key": []` asks for every key, as an absent list does.
            *self = KeySelection::All;
        }
        Ok(())
    }
}

/// Streams a GetConfiguration.conf payload into the output buffer one key at a time, so the
/// whole response never has to exist in RAM.
pub struct ConfigurationView<'a> {
    pub config: &'a Configuration,
    pub selection: &'a KeySelection,
}

struct KeyValues<'a>(&'a Configuration, &'a [ConfigKey]);

impl Serialize for KeyValues<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.1.len()))?;
        for &key in self.1 {
            let mut name = CiString50::new();
            let _ = name.push_str(key.as_str());
            seq.serialize_element(&KeyValue {
                key: name,
                readonly: key.access() == Access::ReadOnly,
                value: key.readable().then(|| self.0.render(key)),
            })?;
        }
        seq.end()
    }
}

impl Serialize for ConfigurationView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (known, unknown): (&[ConfigKey], &[CiString50]) = match self.selection {
            KeySelection::All => (ConfigKey::ALL, &[]),
            KeySelection::Listed { known, unknown } => (known, unknown),
        };
        let fields = usize::from(!known.is_empty()) + usize::from(!unknown.is_empty());
        let mut s = serializer.serialize_struct("GetConfigurationResponse", fields)?;
        if !known.is_empty() {
            s.serialize_field("configurationKey", &KeyValues(self.config, known))?;
        }
        if !unknown.is_empty() {
            s.serialize_field("unknownKey", unknown)?;
        }
        s.end()
    }
}

impl ConfigurationView<'_> {
    fn known(&self) -> &[ConfigKey] {
        match self.selection {
            KeySelection::All => ConfigKey::ALL,
            KeySelection::Listed { known, .. } => known,
        }
    }
}

static VIEW_TABLE: Table = Table::new(
    &["\"configurationKey\":", "\"unknownKey\":"],
    &[false, false],
);

/// The table codec's view of a GetConfiguration.conf: its lists are written element by element.
impl EncodeFields for ConfigurationView<'_> {
    fn table(&self) -> &'static Table {
        &VIEW_TABLE
    }
    fn get(&self, index: usize) -> Value<'_> {
        match (index, self.selection) {
            (0, _) if !self.known().is_empty() => Value::Array(self),
            (1, KeySelection::Listed { unknown, .. }) if !unknown.is_empty() => {
                Value::Array(unknown)
            }
            _ => Value::Absent,
        }
    }
}

/// The configuration keys, each built as a KeyValue only while it is written.
impl Elements for ConfigurationView<'_> {
    fn count(&self) -> usize {
        self.known().len()
    }
    fn element(&self, _: usize) -> Value<'_> {
        // Elements are built in `with_element`; nothing outlives it.
        Value::Absent
    }
    fn with_element(
        &self,
        index: usize,
        write: &mut dyn FnMut(Value<'_>) -> Result<(), BufferTooSmall>,
    ) -> Result<(), BufferTooSmall> {
        let Some(&key) = self.known().get(index) else {
            return write(Value::Absent);
        };
        let mut value = CiString500::new();
        if key.readable() {
            self.config.render_into(key, &mut value);
        }
        write(Value::Object(&KeyValueText { key, value: &value }))
    }
}

/// A KeyValue written from the key and its rendered value in place (KeyValue owns copies).
struct KeyValueText<'a> {
    key: ConfigKey,
    value: &'a CiString500,
}

impl EncodeFields for KeyValueText<'_> {
    fn table(&self) -> &'static Table {
        KeyValue::codec_table()
    }
    fn get(&self, index: usize) -> Value<'_> {
        match index {
            0 => Value::Str(self.key.as_str()),
            1 => Value::Bool(self.key.access() == Access::ReadOnly),
            2 if self.key.readable() => Value::Str(self.value.as_str()),
            _ => Value::Absent,
        }
    }
}
