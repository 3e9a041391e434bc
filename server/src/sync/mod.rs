//! The sync protocol on the server: request validation here, the transactional push and
//! pull in the store, the endpoints in `http::sync`.

pub mod validate;

pub use validate::{
    parse_pull_query, parse_push, PullQuery, PushError, TablePush, Upsert, ValidPush,
};
