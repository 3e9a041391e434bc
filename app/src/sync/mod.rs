//! The client side of the sync protocol: WatermelonDB's algorithm (`engine`) over any
//! local store and a remote, its changes applied to the in-memory store (`memory`), and a
//! replica that keeps memory and a persistence in step (`persisted`), and what a pull
//! changed of what the device showed (`noticed`).

pub mod engine;
pub mod memory;
pub mod noticed;
pub mod persisted;
