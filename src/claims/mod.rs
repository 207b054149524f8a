//! Trusted claims: verify and normalize OIDC ID tokens and SAML assertions.
