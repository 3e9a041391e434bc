//! The replica's handle where there is no browser (server rendering): nothing opens, every
//! write is dropped and every query answers `None`, so pages render the server's data.

use super::state::ReplicaState;
use crate::local::{Op, Query};
use crate::workout::Edit;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Handle;

impl Handle {
    pub fn new() -> Self {
        Self
    }

    pub fn open_for(&self, _state: ReplicaState, _user_id: Signal<Option<String>>) {}
    pub fn write(&self, _ops: Vec<Op>) {}
    pub fn edit_active(&self, _edit: Edit) {}
    pub fn finish_session(&self, _ops: Vec<Op>) {}
    pub fn load_library(&self, _state: ReplicaState, _readable: Signal<bool>) {}
    pub fn query<T>(&self, _f: impl FnOnce(&Query) -> T) -> Option<T> {
        None
    }
    pub fn discard(&self, _table: String, _id: String) {}
    pub fn sync_now(&self) {}
    pub async fn sign_out_and_forget(&self, _state: ReplicaState) -> Result<(), String> {
        Err("signing out with removal needs the browser".into())
    }
    pub fn close(&self, _state: ReplicaState) {}
}
