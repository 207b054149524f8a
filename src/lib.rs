//! policyc: authentication policy-as-code.

pub mod claims;
pub mod diagnostic;
pub mod model;
pub mod source;
pub mod suggest;
pub mod syntax;
