//! `fldm synth`, `fldm convert`, `fldm validate`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use fldm_core::codec::json::{self, JsonLinesReader, Strictness};
use fldm_core::codec::xml::{self, XmlReader};
use fldm_core::record::Person;

use crate::CmdResult;

/// Record file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// JSON lines: one record per line.
    Json,
    /// XML: one document with a `personen` list root (XÖV conventions).
    Xml,
}

#[cfg(feature = "synth")]
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Number of persons.
    #[arg(long, default_value_t = 100)]
    count: usize,
    /// Seed; the same seed always gives the same population.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input format.
    #[arg(long, value_enum)]
    from: Format,
    /// Output format.
    #[arg(long, value_enum)]
    to: Format,
    /// Input file (default or `-`: standard input).
    input: Option<PathBuf>,
    /// Output file (default or `-`: standard output). Written only when the
    /// whole input is valid.
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Input format.
    #[arg(long, value_enum)]
    format: Format,
    /// The file to check (`-`: standard input).
    file: PathBuf,
}

fn is_stdio(p: &Option<PathBuf>) -> bool {
    p.as_deref().is_none_or(|p| p == Path::new("-"))
}

fn open_input(p: &Option<PathBuf>) -> io::Result<Box<dyn BufRead>> {
    if is_stdio(p) {
        Ok(Box::new(BufReader::new(io::stdin().lock())))
    } else {
        let path = p.as_deref().unwrap_or(Path::new("-"));
        let f = File::open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
    }
}

/// A destination that is either standard output or a file written under a
/// temporary name and renamed into place only on success, so that a failed
/// run leaves no partial file.
struct Output {
    target: Option<PathBuf>,
    tmp: Option<PathBuf>,
    writer: BufWriter<Box<dyn Write>>,
}

impl Output {
    fn create(p: &Option<PathBuf>) -> io::Result<Output> {
        if is_stdio(p) {
            return Ok(Output {
                target: None,
                tmp: None,
                writer: BufWriter::with_capacity(1 << 16, Box::new(io::stdout().lock())),
            });
        }
        let target = p.clone().unwrap_or_default();
        let mut name = target
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(format!(".tmp-{}", std::process::id()));
        let tmp = target.with_file_name(name);
        let f = File::create(&tmp)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", tmp.display())))?;
        Ok(Output {
            target: Some(target),
            tmp: Some(tmp),
            writer: BufWriter::with_capacity(1 << 16, Box::new(f)),
        })
    }

    fn commit(mut self) -> io::Result<()> {
        self.writer.flush()?;
        if let (Some(tmp), Some(target)) = (self.tmp.take(), self.target.take()) {
            std::fs::rename(&tmp, &target)?;
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Write a stream of records in `format`.
fn write_records<I>(
    format: Format,
    out: &mut dyn Write,
    records: I,
) -> Result<usize, fldm_core::Error>
where
    I: Iterator<Item = Result<Person, fldm_core::Error>>,
{
    let mut n = 0;
    match format {
        Format::Json => {
            for r in records {
                let p = r?;
                json::write_jsonl(&mut *out, std::iter::once(&p))?;
                n += 1;
            }
        }
        Format::Xml => {
            let persons = records.collect::<Result<Vec<Person>, _>>()?;
            n = persons.len();
            xml::write_xml(&mut *out, persons.iter())?;
        }
    }
    Ok(n)
}

fn read_records(
    format: Format,
    input: Box<dyn BufRead>,
) -> Box<dyn Iterator<Item = Result<Person, fldm_core::Error>>> {
    match format {
        Format::Json => Box::new(JsonLinesReader::new(input, Strictness::Strict)),
        Format::Xml => Box::new(XmlReader::new(input)),
    }
}

#[cfg(feature = "synth")]
pub fn synth(a: SynthArgs) -> CmdResult {
    let out = Output::create(&a.out)?;
    let mut out = out;
    let n = write_records(
        a.format,
        &mut out.writer,
        fldm_synth::Population::new(a.seed).take(a.count).map(Ok),
    )?;
    out.commit()?;
    if a.out.is_some() {
        eprintln!("wrote {n} synthetic persons (seed {})", a.seed);
    }
    Ok(ExitCode::SUCCESS)
}

/// Print a record error: index and field path, never the value.
fn report_invalid(e: &fldm_core::Error) -> ExitCode {
    match (e.record_index(), e.field()) {
        (Some(i), Some(f)) if !f.is_empty() => eprintln!("invalid: record {i}, field {f}: {e}"),
        (Some(i), _) => eprintln!("invalid: record {i}: {e}"),
        _ => eprintln!("invalid: {e}"),
    }
    ExitCode::from(1)
}

fn is_input_error(e: &fldm_core::Error) -> bool {
    !matches!(e, fldm_core::Error::Io { .. })
}

pub fn convert(a: ConvertArgs) -> CmdResult {
    let input = open_input(&a.input)?;
    let mut out = Output::create(&a.output)?;
    match write_records(a.to, &mut out.writer, read_records(a.from, input)) {
        Ok(_) => {
            out.commit()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if is_input_error(&e) => Ok(report_invalid(&e)),
        Err(e) => Err(e.into()),
    }
}

pub fn validate(a: ValidateArgs) -> CmdResult {
    let input = open_input(&Some(a.file.clone()))?;
    let mut n = 0usize;
    for r in read_records(a.format, input) {
        match r {
            Ok(_) => n += 1,
            Err(e) if is_input_error(&e) => return Ok(report_invalid(&e)),
            Err(e) => return Err(e.into()),
        }
    }
    println!("{n} records valid");
    Ok(ExitCode::SUCCESS)
}
