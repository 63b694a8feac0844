//! Identifiers: the hub's FLDM id, the AZR-Nummer and the owner's
//! Aktenzeichen.

use std::fmt;

use crate::de::serde_as_validated_str;
use crate::error::ValidationKind;

/// The hub's FLDM id: the opaque cross-system key of a person. Every
/// disclosure carries it. 1 to 64 characters from `A-Z a-z 0-9 - _ .`;
/// receivers must not derive any meaning from its content.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FldmId(String);

impl FldmId {
    /// Maximum length in bytes.
    pub const MAX_LEN: usize = 64;

    /// Check and wrap an FLDM id.
    pub fn parse(s: &str) -> Result<Self, ValidationKind> {
        if s.is_empty() {
            return Err(ValidationKind::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(ValidationKind::TooLong { max: Self::MAX_LEN });
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(ValidationKind::Format {
                expected: "1 to 64 characters A-Z a-z 0-9 - _ .",
            });
        }
        Ok(FldmId(s.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FldmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

serde_as_validated_str!(FldmId);

/// The AZR-Nummer (AZRG § 3 Abs. 1 Nr. 2): 12 digits, the first six the
/// creation date `YYMMDD`. There is no public check digit, so validation
/// checks the digits and that the date part is a real calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AzrNummer([u8; 12]);

impl AzrNummer {
    /// Check and wrap an AZR-Nummer.
    pub fn parse(s: &str) -> Result<Self, ValidationKind> {
        const FORMAT: ValidationKind = ValidationKind::Format {
            expected: "12 digits, the first six a date YYMMDD",
        };
        let b = s.as_bytes();
        if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
            return Err(FORMAT);
        }
        let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
        let (yy, mm, dd) = (two(0), two(2), two(4));
        if !(1..=12).contains(&mm) || dd == 0 {
            return Err(ValidationKind::ImpossibleDate);
        }
        // The century is not encoded; 29 February is accepted when the
        // year is a leap year in either century it could denote.
        let max = match mm {
            2 if yy.is_multiple_of(4) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if dd > max {
            return Err(ValidationKind::ImpossibleDate);
        }
        let mut out = [0u8; 12];
        out.copy_from_slice(b);
        Ok(AzrNummer(out))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for AzrNummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

serde_as_validated_str!(AzrNummer);

/// The Aktenzeichen: the owning office's own file reference for a person
/// (AZRG § 3 Abs. 1 Nr. 1: the Geschäftszeichen of the body that transmitted
/// the data). It identifies a record in imports from the owner's procedure
/// when the person has no AZR-Nummer. 1 to 40 characters from
/// `A-Z a-z 0-9 - / . _ :` and inner spaces; unique per owning office.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Aktenzeichen(String);

impl Aktenzeichen {
    /// Maximum length in bytes.
    pub const MAX_LEN: usize = 40;

    /// Check and wrap an Aktenzeichen.
    pub fn parse(s: &str) -> Result<Self, ValidationKind> {
        if s.is_empty() {
            return Err(ValidationKind::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(ValidationKind::TooLong { max: Self::MAX_LEN });
        }
        let allowed = |b: u8| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'.' | b'_' | b':' | b' ')
        };
        if !s.bytes().all(allowed) || s.starts_with(' ') || s.ends_with(' ') || s.contains("  ") {
            return Err(ValidationKind::Format {
                expected: "1 to 40 characters A-Z a-z 0-9 - / . _ : and single inner spaces",
            });
        }
        Ok(Aktenzeichen(s.to_string()))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Aktenzeichen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

serde_as_validated_str!(Aktenzeichen);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aktenzeichen() {
        for ok in ["ABH-2019/12345", "A", "12.3:4_5 B"] {
            assert_eq!(
                Aktenzeichen::parse(ok).map(|a| a.to_string()),
                Ok(ok.to_string())
            );
        }
        assert_eq!(Aktenzeichen::parse(""), Err(ValidationKind::Empty));
        assert!(matches!(
            Aktenzeichen::parse(&"1".repeat(41)),
            Err(ValidationKind::TooLong { max: 40 })
        ));
        for bad in [" A", "A ", "A  B", "Ä-1", "A\nB", "A;B"] {
            assert!(
                matches!(Aktenzeichen::parse(bad), Err(ValidationKind::Format { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn azr_nummer() {
        assert!(AzrNummer::parse("230517000123").is_ok());
        assert!(AzrNummer::parse("240229000001").is_ok());
        // Month 13, 30 February, 29 February of a common year, 31 April.
        for s in [
            "231317000123",
            "230230000123",
            "230229000123",
            "230431000123",
        ] {
            assert_eq!(
                AzrNummer::parse(s),
                Err(ValidationKind::ImpossibleDate),
                "{s}"
            );
        }
        // Eleven digits, a letter, a full-width digit.
        for s in ["23051700012", "23051700012x", "２30517000123"] {
            assert!(
                matches!(AzrNummer::parse(s), Err(ValidationKind::Format { .. })),
                "{s}"
            );
        }
    }

    #[test]
    fn fldm_id() {
        assert!(FldmId::parse("P-000001").is_ok());
        assert!(FldmId::parse("").is_err());
        assert!(FldmId::parse("a b").is_err());
        assert!(FldmId::parse(&"a".repeat(65)).is_err());
    }
}
