//! The rule graph as Graphviz dot or Mermaid. (Being written.)
