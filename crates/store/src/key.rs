//! The one configured secret (`CALLBRIEF_CACHE_KEY`) every store seals with.

use base64::Engine as _;

use crate::ConfigError;

/// A 32-byte AES-256-GCM key for encrypting cached values at rest.
#[derive(Clone)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// Reads a key given as 64 hex digits or as base64 (standard or URL-safe, padded or not) of
    /// 32 bytes. The error never echoes the input, which is a secret.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        let bytes = if raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(raw.get(2 * i..2 * i + 2).unwrap_or("zz"), 16).ok())
                .collect::<Option<Vec<u8>>>()
        } else {
            let engines = [
                base64::engine::general_purpose::STANDARD,
                base64::engine::general_purpose::STANDARD_NO_PAD,
                base64::engine::general_purpose::URL_SAFE,
                base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ];
            engines.iter().find_map(|e| e.decode(raw).ok())
        };
        let key: [u8; 32] = bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| {
            ConfigError("the cache key must be 32 bytes, as 64 hex digits or base64".into())
        })?;
        Ok(Self(key))
    }

    /// A key of these 32 bytes (tests, and keys read elsewhere).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key's bytes, for a cipher.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key for another purpose derived from this one (SHA-256 of a label, `purpose` and the
    /// key), so one configured secret serves several uses without any of them revealing it.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        hasher.update(b"callbrief-derived-key\n");
        hasher.update(purpose.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.0);
        hasher.finalize().into()
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_parse_from_hex_or_base64_and_never_echo() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let key = CacheKey::parse(hex).unwrap();
        assert_eq!(key.bytes()[1], 0x11);
        assert_eq!(key.bytes()[31], 0xff);
        let b64 = base64::engine::general_purpose::STANDARD.encode(key.bytes());
        assert_eq!(CacheKey::parse(&b64).unwrap().bytes(), key.bytes());
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.bytes());
        assert_eq!(CacheKey::parse(&url).unwrap().bytes(), key.bytes());
        for bad in ["", "abcd", &hex[..62], "not-a-key-at-all-hunter2"] {
            match CacheKey::parse(bad) {
                Err(crate::ConfigError(msg)) => assert!(!msg.contains("hunter2")),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!(format!("{key:?}"), "CacheKey(..)");
    }
}
