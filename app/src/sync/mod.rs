//! The client side of the sync protocol: WatermelonDB's algorithm (`engine`) over any
//! local store and a remote, and its changes applied to the in-memory store (`memory`).
//! The wire format is the model's (`model::wire`), the records' sync state the local
//! store's (`local::record`); both are re-exported here under their old paths.

pub mod engine;
pub mod memory;

pub use crate::local::record;
pub use crate::model::wire;
