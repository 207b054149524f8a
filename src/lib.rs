//! policyc: authentication policy-as-code.

pub mod claims;
pub mod model;
