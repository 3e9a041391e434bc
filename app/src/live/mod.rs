//! What pages read, the same way in both builds: the server's answer while rendering and
//! hydrating (read from the database through [`crate::page_data`], sent with the page),
//! then the replica's, live. Above the replica, below the pages.

pub mod figures;
pub mod settings;
pub mod theme;
pub mod zone;
