//! Random identifiers, all from the operating system's CSPRNG: sandbox ids,
//! cookie secrets, sandbox codes, ACL passwords, lock tokens, job and
//! worker ids. One place, so no feature rolls its own randomness.

use crate::error::AppError;

/// 128 bits from the operating system's CSPRNG, as 32 lower-case hex digits.
pub fn random_hex() -> Result<String, AppError> {
    random_bytes_hex(16).map_err(|err| AppError::Internal(format!("no randomness: {err}")))
}

/// `len` bytes from the operating system's CSPRNG, as `2 × len` lower-case
/// hex digits.
pub fn random_bytes_hex(len: usize) -> Result<String, getrandom::Error> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `text` is `len` lower-case hex digits.
pub fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
