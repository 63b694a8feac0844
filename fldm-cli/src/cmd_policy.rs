//! `fldm policy ...`: check, explain, matrix, apply.
//!
//! Exit codes: 0 success; 1 the policy is invalid, or the request is
//! denied, or an input record is invalid; 2 usage or I/O error.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use fldm_core::codec::json::{JsonLinesReader, Strictness};
use fldm_core::date::Datum;
use fldm_core::policy::{self, Decision, DeletionRule, Operation, PeriodStart, Policy, Request};

use crate::CmdResult;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file; print every problem with file, line and rule.
    Check {
        /// Policy file (TOML, see docs/policy-format.md).
        file: PathBuf,
    },
    /// What an office gets, for which purpose, and why.
    Explain {
        /// Policy file.
        file: PathBuf,
        /// Only this office.
        #[arg(long)]
        office: Option<String>,
        /// Only this purpose code.
        #[arg(long)]
        purpose: Option<String>,
    },
    /// The processing matrix (office x purpose x operation x attributes x
    /// legal basis x retention) for the DSGVO Art. 30 records.
    Matrix {
        /// Policy file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = MatrixFormat::Md)]
        format: MatrixFormat,
    },
    /// Decide a request and write the disclosures of JSON-lines records
    /// (exit 1 with the reason if the request is denied).
    Apply {
        /// Policy file.
        file: PathBuf,
        /// Requesting office id.
        #[arg(long)]
        office: String,
        /// Purpose code (Abrufzweck or declared); a request without one is denied.
        #[arg(long)]
        purpose: Option<String>,
        /// Operation: read, search or changes.
        #[arg(long, default_value = "read", value_parser = parse_operation)]
        operation: Operation,
        /// Case reference (Geschäftszeichen).
        #[arg(long = "case")]
        case_reference: Option<String>,
        /// Date of the request, YYYY-MM-DD (default: today, UTC).
        #[arg(long, value_parser = parse_date)]
        date: Option<Datum>,
        /// JSON-lines records (default or `-`: standard input).
        input: Option<PathBuf>,
    },
}

/// Output format of `fldm policy matrix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// CSV (RFC 4180).
    Csv,
    /// Markdown table.
    Md,
}

fn parse_operation(s: &str) -> Result<Operation, String> {
    Operation::parse(s).ok_or_else(|| {
        "expected one of read, search, write, changes, statistics, audit".to_string()
    })
}

fn parse_date(s: &str) -> Result<Datum, String> {
    Datum::parse(s).map_err(|e| format!("{e}"))
}

/// One line of `fldm policy check` per deletion rule: what starts the
/// period, how long it is, the legal basis, whose records, and whether the
/// data-protection officer has confirmed it.
fn deletion_line(d: &DeletionRule) -> String {
    let from = match d.period_start {
        PeriodStart::EndOfQuarter => " from end of quarter",
        PeriodStart::Event => "",
    };
    let owners = if d.owners.is_empty() {
        "all owners".to_string()
    } else {
        format!("owners {}", d.owners.join(", "))
    };
    let confirmed = if d.dpo_confirmed {
        "confirmed"
    } else {
        "not confirmed"
    };
    format!(
        "deletion {}: {} + {}{from} ({}), {owners} [{confirmed} by the data-protection officer]",
        d.id, d.start, d.period, d.legal_basis
    )
}

/// Load a policy; on problems print them all and return exit 1.
fn load(file: &Path) -> Result<Result<Policy, ExitCode>, Box<dyn std::error::Error>> {
    let name = file.display().to_string();
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("reading policy file {name}: {e}"))?;
    match Policy::check(&text, &name) {
        Ok(p) => Ok(Ok(p)),
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!(
                "{name}: {} problem(s); the policy is not valid",
                errors.len()
            );
            Ok(Err(ExitCode::from(1)))
        }
    }
}

pub fn run(cmd: PolicyCommand) -> CmdResult {
    match cmd {
        PolicyCommand::Check { file } => {
            let p = match load(&file)? {
                Ok(p) => p,
                Err(code) => return Ok(code),
            };
            let until = p
                .validity()
                .until
                .map(|u| u.to_string())
                .unwrap_or_else(|| "open".into());
            println!(
                "{}: policy {} is valid: {} offices, {} rules, valid {} to {until}",
                file.display(),
                p.id(),
                p.offices().len(),
                p.rules().count(),
                p.validity().from,
            );
            println!("policy hash (SHA-256 of the canonical form): {}", p.hash());
            for d in p.deletion_rules() {
                println!("{}", deletion_line(d));
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Explain {
            file,
            office,
            purpose,
        } => {
            let p = match load(&file)? {
                Ok(p) => p,
                Err(code) => return Ok(code),
            };
            if let Some(o) = &office
                && p.office(o).is_none()
            {
                return Err(format!("office {o:?} is not in policy {}", p.id()).into());
            }
            if let Some(c) = &purpose
                && p.purpose(c).is_none()
            {
                return Err(format!(
                    "purpose {c:?} is neither a built-in Abrufzweck code nor declared in policy {}",
                    p.id()
                )
                .into());
            }
            println!(
                "policy {} ({}), hash {}\n",
                p.id(),
                file.display(),
                p.hash()
            );
            let rows = p.explain(office.as_deref(), purpose.as_deref());
            if rows.is_empty() {
                println!(
                    "no rule permits anything{}{}: every request is denied (default deny)",
                    office
                        .as_deref()
                        .map(|o| format!(" to office {o}"))
                        .unwrap_or_default(),
                    purpose
                        .as_deref()
                        .map(|c| format!(" for purpose {c}"))
                        .unwrap_or_default(),
                );
            } else {
                print!("{}", policy::to_text(&rows));
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Matrix { file, format } => {
            let p = match load(&file)? {
                Ok(p) => p,
                Err(code) => return Ok(code),
            };
            let rows = p.matrix();
            let out = match format {
                MatrixFormat::Csv => policy::to_csv(&rows),
                MatrixFormat::Md => policy::to_markdown(&rows),
            };
            let mut stdout = io::stdout().lock();
            stdout.write_all(out.as_bytes())?;
            stdout.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Apply {
            file,
            office,
            purpose,
            operation,
            case_reference,
            date,
            input,
        } => {
            if !operation.discloses_person_data() {
                return Err(format!(
                    "operation {operation} does not disclose records; apply supports read, search and changes"
                )
                .into());
            }
            let p = match load(&file)? {
                Ok(p) => p,
                Err(code) => return Ok(code),
            };
            let date = match date {
                Some(d) => d,
                None => policy::today_utc()?,
            };
            let decision = p.decide(&Request {
                office: &office,
                operation,
                purpose: purpose.as_deref(),
                case_reference: case_reference.as_deref(),
                date,
            });
            let permit = match decision {
                Decision::Permit(permit) => permit,
                Decision::Deny(d) => {
                    eprintln!("{d}");
                    return Ok(ExitCode::from(1));
                }
            };
            let reader: Box<dyn BufRead> = match input.as_deref() {
                None => Box::new(BufReader::new(io::stdin().lock())),
                Some(path) if path == Path::new("-") => {
                    Box::new(BufReader::new(io::stdin().lock()))
                }
                Some(path) => Box::new(BufReader::with_capacity(
                    1 << 16,
                    File::open(path).map_err(|e| format!("{}: {e}", path.display()))?,
                )),
            };
            let mut out = BufWriter::new(io::stdout().lock());
            let mut n = 0usize;
            for record in JsonLinesReader::new(reader, Strictness::Strict) {
                let person = match record {
                    Ok(person) => person,
                    Err(e) => {
                        out.flush()?;
                        eprintln!("error: {e}");
                        return Ok(ExitCode::from(1));
                    }
                };
                serde_json::to_writer(&mut out, &permit.apply(&person))?;
                out.write_all(b"\n")?;
                n += 1;
            }
            out.flush()?;
            eprintln!(
                "{n} disclosure(s) under rule {} ({}), {} attribute(s), policy hash {}",
                permit.rule_id(),
                permit.legal_basis(),
                permit.attributes().len(),
                permit.policy_hash()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
