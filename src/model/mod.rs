//! The resolved, typed model of a policy set.

pub mod catalogue;
