//! The hub client: configuration ([`config`]), connection ([`connect`]),
//! calls ([`requests`]), the change feed ([`feed`]), and the JSON-in/JSON-out
//! entry point ([`json`]). The client is the bridge's blocking client
//! (`fldm_client::blocking::HubClient`, with its own small runtime); the
//! JSON entry point decodes into the bridge's typed request.

use std::ffi::c_char;

use crate::error::Result;
use crate::ptr::{opt_str_arg, str_arg};

pub mod config;
pub mod connect;
pub mod feed;
pub mod json;
pub mod requests;

pub use config::*;
pub use connect::*;
pub use feed::*;
pub use json::*;
pub use requests::*;

/// The purpose and case reference of a call, as owned strings.
///
/// # Safety
/// `purpose` and `case_reference` are NULL or NUL-terminated.
unsafe fn context_args(
    purpose: *const c_char,
    case_reference: *const c_char,
) -> Result<(String, Option<String>)> {
    // SAFETY: caller contract.
    let (purpose, case) = unsafe {
        (
            str_arg(purpose, "purpose")?,
            opt_str_arg(case_reference, "case_reference")?,
        )
    };
    Ok((purpose.to_string(), case.map(str::to_string)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn handles_documented_as_thread_safe_are_send_and_sync() {
        fn sync<T: Send + Sync>() {}
        sync::<super::fldm_client>();
        sync::<crate::person::fldm_person>();
        sync::<super::fldm_disclosure>();
        sync::<crate::policy::fldm_policy>();
        sync::<crate::policy::fldm_permit>();
    }

    #[test]
    fn handles_documented_as_movable_are_send() {
        fn send<T: Send>() {}
        send::<super::fldm_client_config>();
        send::<super::fldm_change_feed>();
        send::<crate::error::fldm_error>();
    }
}
