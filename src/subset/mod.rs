//! Row-level subsets: the plan (which seed rows, which children, passthrough and excluded
//! tables, virtual foreign keys), resolved against the catalog into a [`Scope`] of tables,
//! then closed over the rows of a [`RowSource`](crate::db::RowSource) by [`closure`].

pub mod closure;
pub mod keys;
pub mod plan;
mod scope;

pub use plan::Plan;
pub use scope::{ChildRule, Reason, Scope, ScopeEdge, ScopeTable};
