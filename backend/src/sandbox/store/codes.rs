//! Sandbox codes: the short credential that resumes a sandbox in another
//! browser (shown only to its owner, rotatable). Redis holds only a
//! code's SHA-1 digest, as the name of the key that leads to its sandbox.

use super::{secret_key, SandboxId, SandboxStore, Session};
use crate::error::AppError;
use crate::sandbox::ids::random_hex;

/// The key that leads from a sandbox code to its sandbox.
pub(super) fn code_key(code: &str) -> String {
    format!("bolide:sandbox:code:{}", sha1_smol::Sha1::from(code).digest())
}

/// The letters of a sandbox code: Crockford's base 32 (no I, L, O, U), so
/// a code read aloud or typed from a screen has no look-alikes.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh sandbox code: 12 symbols (60 bits) as `XXXX-XXXX-XXXX`.
pub fn new_code() -> Result<String, AppError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|err| AppError::Internal(format!("no randomness: {err}")))?;
    let symbols: Vec<char> = bytes.iter().map(|b| CODE_ALPHABET[usize::from(b % 32)] as char).collect();
    Ok(symbols.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

/// A code as typed (any case, spaces or dashes anywhere, look-alikes) in
/// the form [`new_code`] makes; `None` if it cannot be one.
pub fn normalize_code(typed: &str) -> Option<String> {
    let symbols: Vec<char> = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let valid = symbols.len() == 12 && symbols.iter().all(|c| CODE_ALPHABET.contains(&(*c as u8)));
    valid.then(|| symbols.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

impl SandboxStore {
    /// The sandbox a code names, with a new secret for this browser (the
    /// other browsers keep theirs); `None` if the code names none.
    pub async fn resume(&self, code: &str) -> Result<Option<Session>, AppError> {
        let Some(code) = normalize_code(code) else { return Ok(None) };
        let mut conn = self.system.clone();
        let id: Option<String> = redis::cmd("GET").arg(code_key(&code)).query_async(&mut conn).await?;
        let Some(id) = id.as_deref().and_then(SandboxId::parse) else { return Ok(None) };
        let Some(touched) = self.read(&id).await? else { return Ok(None) };
        let secret = random_hex()?;
        let key = secret_key(&secret);
        redis::pipe()
            .atomic()
            .set(&key, id.as_str())
            .ignore()
            .sadd(id.logins_key(), &key)
            .ignore()
            .exec_async(&mut conn)
            .await?;
        Ok(Some(Session {
            id,
            state: touched.state,
            is_new: false,
            set_secret: Some(secret),
            password: touched.password,
            over_quota: touched.over_quota,
            used_bytes: touched.used_bytes,
            patience: super::Patience::default(),
        }))
    }

    /// The sandbox's code (for its owner's eyes only).
    pub async fn code(&self, id: &SandboxId) -> Result<String, AppError> {
        let mut conn = self.system.clone();
        let code: Option<String> =
            redis::cmd("HGET").arg(id.key()).arg("code").query_async(&mut conn).await?;
        code.ok_or_else(|| AppError::NotFound("this sandbox has ended".into()))
    }

    /// A new code for the sandbox; the old one stops working at once.
    pub async fn rotate_code(&self, id: &SandboxId) -> Result<String, AppError> {
        let old = self.code(id).await?;
        let code = new_code()?;
        let (old_key, new_key) = (code_key(&old), code_key(&code));
        let mut conn = self.system.clone();
        redis::pipe()
            .atomic()
            .del(&old_key)
            .ignore()
            .srem(id.logins_key(), &old_key)
            .ignore()
            .set(&new_key, id.as_str())
            .ignore()
            .sadd(id.logins_key(), &new_key)
            .ignore()
            .hset(id.key(), "code", &code)
            .ignore()
            .exec_async(&mut conn)
            .await?;
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_however_they_are_typed() {
        let code = new_code().expect("code");
        assert_eq!(code.len(), 14);
        assert_eq!(normalize_code(&code).as_deref(), Some(code.as_str()));
        assert_eq!(normalize_code(&code.to_lowercase().replace('-', " ")).as_deref(), Some(code.as_str()));
        assert_eq!(normalize_code("oooo-iiii-llll").as_deref(), Some("0000-1111-1111"));
        for bad in ["", "ABCD", "ABCD-EFGH-JKLU", "ABCD-EFGH-JKLMN", "{s:x}"] {
            assert!(normalize_code(bad).is_none(), "{bad:?}");
        }
    }
}
