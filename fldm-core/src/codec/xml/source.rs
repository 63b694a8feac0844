//! Where the decoder's events come from: a string in memory or a buffered
//! stream, with line and column for error messages.

use std::io::BufRead;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{NamespaceResolver, ResolveResult};

use super::NAMESPACE;

/// The reader settings of every source.
pub(super) fn configure(config: &mut quick_xml::reader::Config) {
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.trim_text(false);
}

/// Where events come from: a buffered stream or a string in memory.
pub(super) trait Source {
    /// The next event, whether it is a start tag in [`NAMESPACE`], and the
    /// namespace bindings in scope.
    fn next_event<'b>(
        &'b mut self,
        buf: &'b mut Vec<u8>,
    ) -> quick_xml::Result<(bool, Event<'b>, &'b NamespaceResolver)>;
    /// Start of a new event (see [`LineCounter::mark`]).
    fn mark(&mut self);
    /// Offset of the next byte to read.
    fn offset(&self) -> u64;
    /// Offset of the last parser error.
    fn error_offset(&self) -> u64;
    /// 1-based line and byte column of an offset.
    fn line_col(&self, pos: u64) -> (usize, usize);
}

fn in_namespace(ns: &ResolveResult<'_>) -> bool {
    matches!(ns, ResolveResult::Bound(n) if n.0 == NAMESPACE)
}

/// A stream, read through a [`LineCounter`].
#[derive(Debug)]
pub(super) struct Buffered<R>(pub(super) NsReader<LineCounter<R>>);

impl<R: BufRead> Source for Buffered<R> {
    fn next_event<'b>(
        &'b mut self,
        buf: &'b mut Vec<u8>,
    ) -> quick_xml::Result<(bool, Event<'b>, &'b NamespaceResolver)> {
        let (ns, ev) = self.0.read_resolved_event_into(buf)?;
        let in_ns = in_namespace(&ns);
        Ok((in_ns, ev, self.0.resolver()))
    }
    fn mark(&mut self) {
        self.0.get_mut().mark();
    }
    fn offset(&self) -> u64 {
        self.0.get_ref().consumed
    }
    fn error_offset(&self) -> u64 {
        self.0.error_position()
    }
    fn line_col(&self, pos: u64) -> (usize, usize) {
        self.0.get_ref().line_col(pos)
    }
}

/// 1-based line and byte column of offset `pos` in `text` (the end of
/// `text` for a larger offset).
pub(super) fn line_col_in(text: &str, pos: u64) -> (usize, usize) {
    let bytes = text.as_bytes();
    let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(bytes.len());
    let before = &bytes[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => pos - nl,
        None => pos + 1,
    };
    (line, column)
}

/// A string in memory: events borrow the input, nothing is copied.
#[derive(Debug)]
pub(super) struct Slice<'i> {
    reader: NsReader<&'i [u8]>,
    input: &'i str,
}

impl<'i> Slice<'i> {
    pub(super) fn new(input: &'i str) -> Self {
        // Offsets are then relative to the text after a byte-order mark.
        let input = input.strip_prefix('\u{FEFF}').unwrap_or(input);
        let mut reader = NsReader::from_str(input);
        configure(reader.config_mut());
        Slice { reader, input }
    }
}

impl Source for Slice<'_> {
    fn next_event<'b>(
        &'b mut self,
        _buf: &'b mut Vec<u8>,
    ) -> quick_xml::Result<(bool, Event<'b>, &'b NamespaceResolver)> {
        let (ns, ev) = self.reader.read_resolved_event()?;
        let in_ns = in_namespace(&ns);
        Ok((in_ns, ev, self.reader.resolver()))
    }
    fn mark(&mut self) {}
    fn offset(&self) -> u64 {
        self.reader.buffer_position()
    }
    fn error_offset(&self) -> u64 {
        self.reader.error_position()
    }
    fn line_col(&self, pos: u64) -> (usize, usize) {
        line_col_in(self.input, pos)
    }
}

/// A `BufRead` adapter that counts lines so errors can give line and
/// column for streamed input. Strips a leading UTF-8 byte-order mark.
#[derive(Debug)]
pub(super) struct LineCounter<R> {
    inner: R,
    /// Bytes consumed so far.
    consumed: u64,
    /// Newlines before the current window.
    base_lines: u64,
    /// Offset of the last newline before the current window.
    base_last_nl: Option<u64>,
    /// Offsets of the newlines consumed since the last [`Self::mark`].
    window: Vec<u64>,
    bom_checked: bool,
}

impl<R: BufRead> LineCounter<R> {
    pub(super) fn new(inner: R) -> Self {
        LineCounter {
            inner,
            consumed: 0,
            base_lines: 0,
            base_last_nl: None,
            window: Vec::new(),
            bom_checked: false,
        }
    }
}

impl<R> LineCounter<R> {
    /// Start a new window at the current offset.
    fn mark(&mut self) {
        if let Some(&last) = self.window.last() {
            self.base_lines += self.window.len() as u64;
            self.base_last_nl = Some(last);
            self.window.clear();
        }
    }

    /// 1-based line and column (in bytes) of offset `pos`, which must not
    /// lie before the current window (earlier offsets give the window start).
    fn line_col(&self, pos: u64) -> (usize, usize) {
        let k = self.window.partition_point(|&o| o < pos);
        let lines = self.base_lines + k as u64;
        let last = if k > 0 {
            Some(self.window[k - 1])
        } else {
            self.base_last_nl
        };
        let column = match last {
            Some(nl) => pos.saturating_sub(nl),
            None => pos + 1,
        };
        (
            usize::try_from(lines + 1).unwrap_or(usize::MAX),
            usize::try_from(column.max(1)).unwrap_or(usize::MAX),
        )
    }
}

impl<R: BufRead> std::io::Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let b = self.fill_buf()?;
            let n = b.len().min(out.len());
            out[..n].copy_from_slice(&b[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if !self.bom_checked {
            self.bom_checked = true;
            let b = self.inner.fill_buf()?;
            if b.starts_with(b"\xEF\xBB\xBF") {
                self.inner.consume(3);
            }
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(b) = self.inner.fill_buf() {
            let n = amt.min(b.len());
            let base = self.consumed;
            for (i, &byte) in b[..n].iter().enumerate() {
                if byte == b'\n' {
                    self.window.push(base + i as u64);
                }
            }
        }
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}
