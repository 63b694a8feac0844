//! Shared serde plumbing: validated string types and typed validation errors
//! through serde's string-only error channel.
//!
//! Deserializers of validated types report a [`ValidationKind`]. serde only
//! carries a message, so the kind is also kept in a thread-local slot; the
//! JSON codec takes it back out together with the field path from
//! `serde_path_to_error` and returns a typed [`crate::Error::Validation`].

use std::cell::RefCell;

use crate::error::ValidationKind;

thread_local! {
    static LAST: RefCell<Option<ValidationKind>> = const { RefCell::new(None) };
}

/// A serde error for an invalid value, remembering its kind.
pub(crate) fn invalid<E: serde::de::Error>(kind: ValidationKind) -> E {
    let msg = kind.to_string();
    LAST.with(|l| *l.borrow_mut() = Some(kind));
    E::custom(msg)
}

/// Take the kind of the last invalid value reported on this thread.
pub(crate) fn take_last() -> Option<ValidationKind> {
    LAST.with(|l| l.borrow_mut().take())
}

/// Forget any kind left from an earlier decode on this thread.
pub(crate) fn clear() {
    LAST.with(|l| *l.borrow_mut() = None);
}

/// Implement `Serialize`/`Deserialize` as a string for a type with
/// `fn as_str(&self) -> &str` and `fn parse(&str) -> Result<Self, ValidationKind>`.
macro_rules! serde_as_validated_str {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$t, E> {
                        <$t>::parse(v).map_err($crate::de::invalid)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}
pub(crate) use serde_as_validated_str;
