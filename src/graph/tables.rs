//! Dense tables for evaluation. (Being written.)

use crate::model::Model;

#[derive(Debug, Clone, Default)]
pub struct Tables {}

impl Tables {
    pub fn build(model: &Model) -> Tables {
        let _ = model;
        Tables {}
    }
}
