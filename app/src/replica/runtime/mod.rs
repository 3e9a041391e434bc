//! The replica's life in a tab: opening it for the signed-in user, committing edits,
//! deciding when to sync (after edits, every 30 s while visible, on reconnect, on
//! demand), keeping one sync at a time across tabs with a Web Lock, and telling other tabs
//! through a BroadcastChannel that the data changed.
//!
//! `replica` holds its state, opening and closing it; `edits` commits edits; `schedule`
//! decides when syncs run; `tabs` handles what other tabs say; `browser` asks the
//! browser whether it is online, visible, and for the lock tabs share; `handle` is what
//! the page-facing slot holds.

mod browser;
mod edits;
mod handle;
mod replica;
mod schedule;
mod tabs;

pub(super) use browser::online;
pub use handle::Handle;
