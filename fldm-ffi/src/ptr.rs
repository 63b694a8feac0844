//! Pointer handling shared by the entry points, and the bodies they are
//! made of.
//!
//! An entry point names its pointer arguments ([`arg`], [`opt_arg`]) and
//! its out parameter ([`out_arg`], [`opt_out_arg`]) and hands them, with
//! the work to do, to one body: [`call`] (arguments in, one value out),
//! [`run`] (arguments in, nothing or several values out), [`read`] (a
//! handle in, a value out), [`to_json`] (a handle's JSON form), [`peek`]
//! (the infallible getters) or [`free`] (the `_free` functions). The
//! arguments are converted in order before any work is done; the first
//! NULL or invalid UTF-8 is the error and names its parameter. Out
//! parameters are written only on success, in their C form ([`IntoC`]).

use std::ffi::{CStr, CString, c_char};

use ::fldm_client::bridge;

use crate::boundary::{Neutral, fallible, guard};
use crate::error::{Error, FLDM_E_INVALID_UTF8, Result, c_string_lossy, fldm_error};

/// A type C holds as an opaque handle: boxed by this library, handed out
/// as `*mut T`, freed by its `_free` function.
pub(crate) trait Handle {}

/// A value in the form C receives it through an out parameter.
pub(crate) trait IntoC {
    /// The C type of the out parameter's target.
    type C;
    fn into_c(self) -> Self::C;
}

/// An owned string, freed by `fldm_string_free`.
impl IntoC for String {
    type C = *mut c_char;
    fn into_c(self) -> *mut c_char {
        c_string_lossy(self).into_raw()
    }
}

/// A new handle, freed by its `_free` function.
impl<T: Handle> IntoC for T {
    type C = *mut T;
    fn into_c(self) -> *mut T {
        Box::into_raw(Box::new(self))
    }
}

/// An owned string or a handle that may be absent: NULL when it is.
impl<T, P> IntoC for Option<T>
where
    T: IntoC<C = *mut P>,
{
    type C = *mut P;
    fn into_c(self) -> *mut P {
        self.map_or(std::ptr::null_mut(), T::into_c)
    }
}

impl IntoC for u64 {
    type C = u64;
    fn into_c(self) -> u64 {
        self
    }
}

impl IntoC for bool {
    type C = bool;
    fn into_c(self) -> bool {
        self
    }
}

impl IntoC for usize {
    type C = usize;
    fn into_c(self) -> usize {
        self
    }
}

/// A required pointer argument and its parameter name: a handle (`&T`,
/// or `&mut T` from a `*mut T`) or a UTF-8 string (`&str`).
#[derive(Debug)]
pub(crate) struct Arg<P>(P, &'static str);

/// A string argument that may be NULL (`Option<&str>`).
#[derive(Debug)]
pub(crate) struct OptArg(*const c_char, &'static str);

/// An out parameter; NULL is an error when it has a name, "not wanted"
/// when it has none.
#[derive(Debug)]
pub(crate) struct OutArg<T>(*mut T, Option<&'static str>);

/// A required pointer argument named `name`.
pub(crate) fn arg<P>(p: P, name: &'static str) -> Arg<P> {
    Arg(p, name)
}

/// A string argument named `name` that may be NULL.
pub(crate) fn opt_arg(p: *const c_char, name: &'static str) -> OptArg {
    OptArg(p, name)
}

/// A required out parameter named `name`.
pub(crate) fn out_arg<T>(p: *mut T, name: &'static str) -> OutArg<T> {
    OutArg(p, Some(name))
}

/// An out parameter the caller may leave NULL ("not wanted").
pub(crate) fn opt_out_arg<T>(p: *mut T) -> OutArg<T> {
    OutArg(p, None)
}

/// The arguments of an entry point, converted from their C form: one
/// argument, `()`, or a tuple of arguments (converted left to right).
pub(crate) trait Args<'a> {
    type Values;
    /// # Safety
    /// Every pointer is NULL or valid for the call as its entry point
    /// documents (a live handle, a NUL-terminated string, a writable out
    /// parameter).
    unsafe fn convert(self) -> Result<Self::Values>;
}

impl<'a, T: Handle + 'a> Args<'a> for Arg<*const T> {
    type Values = &'a T;
    unsafe fn convert(self) -> Result<&'a T> {
        // SAFETY: caller contract: NULL or a live `T`.
        unsafe { self.0.as_ref() }.ok_or_else(|| Error::null(self.1))
    }
}

impl<'a, T: Handle + 'a> Args<'a> for Arg<*mut T> {
    type Values = &'a mut T;
    unsafe fn convert(self) -> Result<&'a mut T> {
        // SAFETY: caller contract: NULL or a live `T` no other thread uses.
        unsafe { self.0.as_mut() }.ok_or_else(|| Error::null(self.1))
    }
}

impl<'a> Args<'a> for Arg<*const c_char> {
    type Values = &'a str;
    unsafe fn convert(self) -> Result<&'a str> {
        // SAFETY: caller contract.
        unsafe { opt_arg(self.0, self.1).convert() }?.ok_or_else(|| Error::null(self.1))
    }
}

impl<'a> Args<'a> for OptArg {
    type Values = Option<&'a str>;
    unsafe fn convert(self) -> Result<Option<&'a str>> {
        let OptArg(p, name) = self;
        if p.is_null() {
            return Ok(None);
        }
        // SAFETY: non-null and NUL-terminated by the caller's contract.
        let c = unsafe { CStr::from_ptr(p) };
        c.to_str().map(Some).map_err(|e| {
            Error::new(
                FLDM_E_INVALID_UTF8,
                format!(
                    "argument {name} is not valid UTF-8 (invalid byte at offset {})",
                    e.valid_up_to()
                ),
            )
        })
    }
}

impl<T> Args<'_> for OutArg<T> {
    type Values = Out<T>;
    unsafe fn convert(self) -> Result<Out<T>> {
        match self {
            OutArg(p, Some(name)) if p.is_null() => Err(Error::null(name)),
            OutArg(p, _) => Ok(Out(p)),
        }
    }
}

impl Args<'_> for () {
    type Values = ();
    unsafe fn convert(self) -> Result<()> {
        Ok(())
    }
}

/// `Args` for tuples: each element converted in order.
macro_rules! tuple_args {
    ($($a:ident),+) => {
        impl<'a, $($a: Args<'a>),+> Args<'a> for ($($a,)+) {
            type Values = ($(<$a as Args<'a>>::Values,)+);
            #[allow(non_snake_case)]
            unsafe fn convert(self) -> Result<Self::Values> {
                let ($($a,)+) = self;
                // SAFETY: the caller's contract covers every element.
                Ok(($(unsafe { $a.convert() }?,)+))
            }
        }
    };
}

tuple_args!(A, B);
tuple_args!(A, B, C);
tuple_args!(A, B, C, D);
tuple_args!(A, B, C, D, E);
tuple_args!(A, B, C, D, E, F);

/// A checked out parameter (NULL only when not wanted), written by
/// [`Out::put`] once the work succeeded.
#[derive(Debug)]
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Write `value` in its C form, unless the caller did not want it.
    pub(crate) fn put(self, value: impl IntoC<C = T>) {
        if !self.0.is_null() {
            // SAFETY: checked by `OutArg::convert`; valid for writes by
            // the caller's contract.
            unsafe { self.0.write(value.into_c()) }
        }
    }
}

/// Body of the fallible functions without an out parameter or with
/// several: converts `args`, then runs `body`.
///
/// # Safety
/// As [`Args::convert`].
pub(crate) unsafe fn run<'a, A: Args<'a>>(
    args: A,
    body: impl FnOnce(A::Values) -> Result<()>,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let values = unsafe { args.convert() }?;
        body(values)
    })
}

/// Body of the fallible functions with one out parameter: converts `args`
/// and checks `out`, runs `body`, writes what it returns.
///
/// # Safety
/// As [`Args::convert`], for `args` and `out`.
pub(crate) unsafe fn call<'a, A: Args<'a>, V: IntoC>(
    args: A,
    out: OutArg<V::C>,
    body: impl FnOnce(A::Values) -> Result<V>,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        run((args, out), |(values, out)| {
            out.put(body(values)?);
            Ok(())
        })
    }
}

/// Body of the functions "live handle in, one value out" (the handle named
/// `name`, the out parameter `out`).
///
/// # Safety
/// `h` is NULL or points to a live `H`; `out` is NULL or valid for a write.
pub(crate) unsafe fn read<'a, H: Handle + 'a, V: IntoC>(
    h: *const H,
    name: &'static str,
    out: *mut V::C,
    get: impl FnOnce(&'a H) -> Result<V>,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { call(arg(h, name), out_arg(out, "out"), get) }
}

/// Body of the `_to_json` functions: `*out` is the handle's JSON form as
/// `encode` gives it (the bridge's JSON of a view).
///
/// # Safety
/// As [`read`].
pub(crate) unsafe fn to_json<'a, H: Handle + 'a>(
    h: *const H,
    name: &'static str,
    out: *mut *mut c_char,
    encode: impl FnOnce(&'a H) -> bridge::Result<String>,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { read(h, name, out, |h| Ok(encode(h)?)) }
}

/// Body of the infallible getters: `get` of the live `p`, or the neutral
/// value (0, NULL) when `p` is NULL.
///
/// # Safety
/// `p` is NULL or points to a live `T`.
pub(crate) unsafe fn peek<'a, T: 'a, R: Neutral>(p: *const T, get: impl FnOnce(&'a T) -> R) -> R {
    // SAFETY: caller contract.
    guard(|| unsafe { p.as_ref() }.map_or_else(R::neutral, get))
}

/// Body of the `_free` functions: frees a handle; NULL is ignored.
///
/// # Safety
/// `p` is NULL or was returned by this library as a `*mut T` and not freed.
pub(crate) unsafe fn free<T: Handle>(p: *mut T) {
    guard(|| {
        if !p.is_null() {
            // SAFETY: caller contract: made by `IntoC`, freed once.
            drop(unsafe { Box::from_raw(p) });
        }
    })
}

/// Frees a string returned by this library; NULL is ignored.
///
/// # Safety
/// `p` is NULL or was returned by this library as an owned string.
pub(crate) unsafe fn free_string(p: *mut c_char) {
    guard(|| {
        if !p.is_null() {
            // SAFETY: caller contract: made by `CString::into_raw`.
            drop(unsafe { CString::from_raw(p) });
        }
    })
}
