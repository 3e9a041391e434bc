//! The sync protocol as both ends see it (WatermelonDB's pull/push wire format).

pub mod wire;
