//! Row-level subsets: the plan (which seed rows, which children, passthrough and excluded
//! tables, virtual foreign keys), resolved against the catalog into a [`Scope`] of tables,
//! then closed over the rows of a [`RowSource`](crate::model::ports::RowSource) by [`closure`];
//! the scope's load order comes from the dependency graph.

pub mod closure;
pub mod keys;
mod order;
pub mod plan;
mod refresh;
mod scope;

pub use plan::Plan;
pub use refresh::WatermarkColumn;
pub use scope::{ChildRule, Reason, Scope, ScopeEdge, ScopeTable};
