//! Users, their local accounts and sign-in sessions, and the server's own secrets.

use super::changes;
use super::changes::now_ms;
use super::db::{Cells, Db, SqlRow, SqlValue};
use super::error::{StoreError, StoreResult};
use super::sql::Dialect;
use app::model::{tables::table, ColumnKind};

/// A local account's credentials. Deliberately not `Serialize` and with a `Debug` that
/// hides the hash, so it cannot leak into a response or a log line.
#[derive(Clone)]
pub struct LocalAccount {
    pub user_id: String,
    pub email: String,
    pub password_hash: String,
}

impl LocalAccount {
    /// From `select user_id, email, password_hash`.
    pub(super) fn from_row(row: SqlRow) -> Result<Self, sqlx::Error> {
        let mut cells = Cells::new(row);
        Ok(Self {
            user_id: cells.text("user_id")?,
            email: cells.text("email")?,
            password_hash: cells.text("password_hash")?,
        })
    }
}

impl std::fmt::Debug for LocalAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalAccount")
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("password_hash", &"<hidden>")
            .finish()
    }
}

/// Inserts the profile if missing; on first creation also writes default settings
/// through the change log so every device receives them.
pub(super) async fn create_profile(
    tx: &mut dyn Db,
    dialect: Dialect,
    user_id: &str,
    email: Option<&str>,
) -> StoreResult<bool> {
    let now = now_ms();
    let inserted = tx
        .execute(
            "insert into user_profile (id, email, created_at, last_change_at) \
             values ($1, $2, $3, 0) on conflict (id) do nothing",
            vec![
                SqlValue::text(user_id),
                SqlValue::Text(email.map(str::to_owned)),
                SqlValue::int(now),
            ],
        )
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    let stamp = changes::stamp(tx, dialect, user_id).await?.at;
    let settings_table = table("user_settings").expect("registry has user_settings");
    let id = uuid::Uuid::new_v4().to_string();
    let values = changes::record_values(settings_table, &changes::default_settings(&id, now))?;
    changes::write_record(
        tx,
        dialect,
        settings_table,
        user_id,
        &id,
        values,
        stamp,
        changes::ChangeType::Created,
    )
    .await?;
    Ok(true)
}

/// Registers a local account with its user; `Conflict` if the e-mail is taken.
pub(super) async fn create_local_account(
    tx: &mut dyn Db,
    dialect: Dialect,
    email: &str,
    password_hash: &str,
) -> StoreResult<String> {
    let user_id = uuid::Uuid::new_v4().to_string();
    create_profile(tx, dialect, &user_id, Some(email)).await?;
    let insert = tx
        .execute(
            "insert into local_account (user_id, email, password_hash, created_at) \
             values ($1, $2, $3, $4)",
            vec![
                SqlValue::text(&user_id),
                SqlValue::text(email),
                SqlValue::text(password_hash),
                SqlValue::int(now_ms()),
            ],
        )
        .await;
    match insert {
        Ok(_) => Ok(user_id),
        Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::Conflict(
            "an account with this e-mail already exists".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Which local account to read.
pub(super) enum AccountBy<'a> {
    Email(&'a str),
    User(&'a str),
}

pub(super) async fn local_account(
    tx: &mut dyn Db,
    by: AccountBy<'_>,
) -> StoreResult<Option<LocalAccount>> {
    let (column, value) = match by {
        AccountBy::Email(email) => ("email", email),
        AccountBy::User(user_id) => ("user_id", user_id),
    };
    let row = tx
        .fetch_optional(
            &format!("select user_id, email, password_hash from local_account where {column} = $1"),
            vec![SqlValue::text(value)],
            &[ColumnKind::Text, ColumnKind::Text, ColumnKind::Text],
        )
        .await?;
    Ok(row.map(LocalAccount::from_row).transpose()?)
}

/// Replaces the password hash and ends every session of the user.
pub(super) async fn change_password(
    tx: &mut dyn Db,
    user_id: &str,
    password_hash: &str,
) -> StoreResult<()> {
    let changed = tx
        .execute(
            "update local_account set password_hash = $2 where user_id = $1",
            vec![SqlValue::text(user_id), SqlValue::text(password_hash)],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    tx.execute(
        "update auth_session set ended_at = $2 where user_id = $1 and ended_at is null",
        vec![SqlValue::text(user_id), SqlValue::int(now_ms())],
    )
    .await?;
    Ok(())
}

pub(super) async fn start_session(tx: &mut dyn Db, user_id: &str) -> StoreResult<String> {
    let id = uuid::Uuid::new_v4().to_string();
    tx.execute(
        "insert into auth_session (id, user_id, created_at) values ($1, $2, $3)",
        vec![
            SqlValue::text(&id),
            SqlValue::text(user_id),
            SqlValue::int(now_ms()),
        ],
    )
    .await?;
    Ok(id)
}

pub(super) async fn session_active(
    tx: &mut dyn Db,
    session_id: &str,
    user_id: &str,
) -> StoreResult<bool> {
    let found = tx
        .fetch_optional(
            "select id from auth_session where id = $1 and user_id = $2 and ended_at is null",
            vec![SqlValue::text(session_id), SqlValue::text(user_id)],
            &[ColumnKind::Text],
        )
        .await?;
    Ok(found.is_some())
}

pub(super) async fn end_session(
    tx: &mut dyn Db,
    session_id: &str,
    user_id: &str,
) -> StoreResult<()> {
    tx.execute(
        "update auth_session set ended_at = $3 where user_id = $1 and id = $2 and ended_at is null",
        vec![
            SqlValue::text(user_id),
            SqlValue::text(session_id),
            SqlValue::int(now_ms()),
        ],
    )
    .await?;
    Ok(())
}

/// The secret under `name`, storing `candidate` first if there is none.
pub(super) async fn server_secret(
    tx: &mut dyn Db,
    name: &str,
    candidate: &str,
) -> StoreResult<String> {
    tx.execute(
        "insert into server_secret (name, value, created_at) values ($1, $2, $3) \
         on conflict (name) do nothing",
        vec![
            SqlValue::text(name),
            SqlValue::text(candidate),
            SqlValue::int(now_ms()),
        ],
    )
    .await?;
    tx.fetch_value(
        "select value from server_secret where name = $1",
        vec![SqlValue::text(name)],
        ColumnKind::Text,
    )
    .await?
    .and_then(SqlValue::into_text)
    .ok_or(StoreError::NotFound)
}
