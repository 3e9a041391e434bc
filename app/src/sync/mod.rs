//! The sync protocol as both ends see it (WatermelonDB's pull/push wire format), and the
//! client side of it: replica records, the engine, an in-memory replica.

pub mod engine;
pub mod memory;
pub mod record;
pub mod wire;
