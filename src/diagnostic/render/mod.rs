//! Renderers of [`Diagnostic`](super::Diagnostic): terminal, JSON, SARIF, GitHub annotations.
