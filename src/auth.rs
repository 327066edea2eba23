//! Who may write. Reads are public; every mutation needs `Authorization: Bearer <token>` with one
//! of the tokens in `API_TOKENS`. With no tokens configured, writes are refused: never open by
//! default.
//!
//! Tokens are kept only as SHA-256 digests and compared in constant time (digest against
//! digest, so neither the content nor the length of a token leaks through timing). They are
//! never logged: `ApiTokens`'s `Debug` prints how many there are, nothing else.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::AppError;

/// A token shorter than this is refused at start-up: it would be guessable.
pub const MIN_TOKEN_LENGTH: usize = 16;

/// The accepted API tokens, as digests.
#[derive(Clone, Default)]
pub struct ApiTokens(Vec<[u8; 32]>);

impl std::fmt::Debug for ApiTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiTokens({} configured)", self.0.len())
    }
}

impl ApiTokens {
    /// Parses `API_TOKENS`: comma-separated tokens, blanks ignored. The error never quotes a
    /// token.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut digests = Vec::new();
        for (position, token) in text
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .enumerate()
        {
            if token.chars().count() < MIN_TOKEN_LENGTH {
                return Err(format!(
                    "token #{} is shorter than {MIN_TOKEN_LENGTH} characters",
                    position + 1
                ));
            }
            if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!(
                    "token #{} contains whitespace or control characters",
                    position + 1
                ));
            }
            digests.push(digest(token));
        }
        Ok(Self(digests))
    }

    /// True when no token is configured, i.e. the server accepts no writes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `presented` is one of the tokens. Every configured token is compared, each in
    /// constant time.
    fn accepts(&self, presented: &str) -> bool {
        let presented = digest(presented);
        let matched = self.0.iter().fold(subtle::Choice::from(0), |found, token| {
            found | token.ct_eq(&presented)
        });
        matched.into()
    }

    /// What the `Authorization` header (or a WebSocket's `connection_init` payload) grants.
    pub fn access(&self, authorization: Option<&str>) -> Access {
        if self.is_empty() {
            return Access::WritesDisabled;
        }
        let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
            return Access::Anonymous;
        };
        match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                if self.accepts(token.trim()) {
                    Access::Writer
                } else {
                    Access::RejectedToken
                }
            }
            _ => Access::MalformedHeader,
        }
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// What one request may do; attached to every request by the HTTP layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The server has no `API_TOKENS`: nobody may write.
    WritesDisabled,
    /// No credentials were sent.
    Anonymous,
    /// An `Authorization` header that is not `Bearer <token>`.
    MalformedHeader,
    /// A bearer token that is not one of `API_TOKENS`.
    RejectedToken,
    /// A valid bearer token: may write.
    Writer,
}

impl Access {
    /// Ok for a writer, otherwise the error that explains what is missing.
    pub fn require_writer(self) -> Result<(), AppError> {
        match self {
            Access::Writer => Ok(()),
            Access::WritesDisabled => Err(AppError::Forbidden(
                "This server accepts no writes: no API tokens are configured (API_TOKENS).".into(),
            )),
            Access::Anonymous => Err(AppError::Unauthenticated(
                "Writes need an `Authorization: Bearer <token>` header.".into(),
            )),
            Access::MalformedHeader => Err(AppError::Unauthenticated(
                "The Authorization header must read `Bearer <token>`.".into(),
            )),
            Access::RejectedToken => Err(AppError::Unauthenticated(
                "The bearer token is not valid.".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "correct-horse-battery-staple";

    #[test]
    fn accepts_only_configured_bearer_tokens() {
        let tokens = ApiTokens::parse(&format!(" {TOKEN} , another-long-token-1234,")).unwrap();
        assert_eq!(
            tokens.access(Some(&format!("Bearer {TOKEN}"))),
            Access::Writer
        );
        assert_eq!(
            tokens.access(Some("bearer another-long-token-1234")),
            Access::Writer
        );
        assert_eq!(
            tokens.access(Some("Bearer wrong-token-of-some-length")),
            Access::RejectedToken
        );
        assert_eq!(tokens.access(Some(TOKEN)), Access::MalformedHeader);
        assert_eq!(
            tokens.access(Some(&format!("Basic {TOKEN}"))),
            Access::MalformedHeader
        );
        assert_eq!(tokens.access(None), Access::Anonymous);
    }

    #[test]
    fn no_tokens_means_no_writes() {
        let tokens = ApiTokens::parse(" , ").unwrap();
        assert!(tokens.is_empty());
        assert_eq!(
            tokens.access(Some(&format!("Bearer {TOKEN}"))),
            Access::WritesDisabled
        );
    }

    #[test]
    fn short_tokens_are_refused_without_being_quoted() {
        let err = ApiTokens::parse(&format!("{TOKEN},short")).unwrap_err();
        assert!(err.contains("#2"), "{err}");
        assert!(!err.contains("short,") && !err.contains("\"short\""));
        let debug = format!("{:?}", ApiTokens::parse(TOKEN).unwrap());
        assert!(!debug.contains(TOKEN), "{debug}");
    }
}
