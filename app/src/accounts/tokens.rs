//! Secrets sent by email (sign-in links, invitations). The person gets the
//! token; the database keeps only its SHA-256 hash, so a copy of the database
//! cannot be used to sign in.
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random token: 32 bytes, written as 64 hexadecimal characters.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The form a token is stored and looked up in.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

/// Whether text could be a token at all; anything else is refused before
/// touching the database.
pub fn looks_like_token(text: &str) -> bool {
    let text = text.trim();
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hash_to_something_else() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(looks_like_token(&a));
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
        assert_eq!(hash_token(&a), hash_token(&format!(" {a}\n")));
        assert!(!looks_like_token("not-a-token"));
        assert!(!looks_like_token(&"g".repeat(64)));
    }
}
