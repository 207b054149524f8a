//! Model → petgraph. (Being written.)

use super::{Edge, Node};
use crate::model::Model;
use petgraph::graph::{DiGraph, NodeIndex};

pub(super) fn graph(model: &Model) -> (DiGraph<Node, Edge>, Vec<NodeIndex>) {
    let _ = model;
    (DiGraph::new(), Vec::new())
}
